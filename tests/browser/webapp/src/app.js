// The calls the workshop's web app makes, from the npm packages it uses, for a test in Chromium:
// sign up, confirm with the emailed code, sign in with SRP, then identity-pool credentials.
// Written for this test; it reads its settings from window.awsConfig (config.js), the values
// `wildrydes-nb scratchpad` prints for amplify-config.js, plus the sandbox's endpoint.
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserAttribute,
  CognitoUserPool,
} from "amazon-cognito-identity-js";
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from "@aws-sdk/client-cognito-identity";

const auth = window.awsConfig.Auth;

// The web app registers alice@example.com as alice|example|com: the pool has email as an alias.
function usernameFor(email) {
  return email.replace(/[@.]/g, "|");
}

function userPool() {
  return new CognitoUserPool({ UserPoolId: auth.userPoolId, ClientId: auth.userPoolWebClientId,
                               endpoint: auth.endpoint });
}

function asPromise(start) {
  return new Promise((resolve, reject) => start((error, result) => (error ? reject(error) : resolve(result))));
}

function failure(error) {
  return { error: error.code || error.name, message: error.message };
}

async function signUp(email, password) {
  try {
    const attributes = [new CognitoUserAttribute({ Name: "email", Value: email })];
    const result = await asPromise((done) => userPool().signUp(usernameFor(email), password, attributes, null, done));
    return { userConfirmed: result.userConfirmed, codeDeliveryDetails: result.codeDeliveryDetails };
  } catch (error) {
    return failure(error);
  }
}

async function confirm(email, code) {
  const user = new CognitoUser({ Username: usernameFor(email), Pool: userPool() });
  try {
    return { result: await asPromise((done) => user.confirmRegistration(code, true, done)) };
  } catch (error) {
    return failure(error);
  }
}

function signIn(email, password) {
  const user = new CognitoUser({ Username: email, Pool: userPool() });
  user.setAuthenticationFlowType("USER_SRP_AUTH");
  const details = new AuthenticationDetails({ Username: email, Password: password });
  return new Promise((resolve, reject) => user.authenticateUser(details, { onSuccess: resolve, onFailure: reject }));
}

async function signInAndGetCredentials(email, password) {
  try {
    const session = await signIn(email, password);
    const identity = new CognitoIdentityClient({ region: auth.region, endpoint: auth.identityEndpoint });
    const logins = { [`cognito-idp.${auth.region}.amazonaws.com/${auth.userPoolId}`]: session.getIdToken().getJwtToken() };
    const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: auth.identityPoolId, Logins: logins }));
    const { Credentials } = await identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }));
    return {
      username: session.getIdToken().decodePayload()["cognito:username"],
      identityId: IdentityId,
      accessKeyId: Credentials.AccessKeyId,
      secretKey: Credentials.SecretKey,
      sessionToken: Credentials.SessionToken,
    };
  } catch (error) {
    return failure(error);
  }
}

// What the page may not reach even from an allowed origin: the browser gets no CORS answer.
async function tryToRead(path) {
  try {
    const answer = await fetch(new URL(path, auth.endpoint), { method: "GET" });
    return { status: answer.status, body: await answer.text() };
  } catch (error) {
    return failure(error);
  }
}

window.wildrydes = { signUp, confirm, signInAndGetCredentials, tryToRead };
document.getElementById("status").textContent = "ready";
