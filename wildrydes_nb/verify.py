"""Verify the step: a read-only checklist of the pool and its role, and a sign-in proof."""

from __future__ import annotations

import secrets
import string

from botocore import UNSIGNED
from botocore.config import Config

from . import roles
from .aws import CLIENT_CONFIG, calling, client, error_code, explain
from .redaction import redact
from .errors import WildrydesError
from .identity_pool import desired_providers, describe
from .inputs import StepInput
from .report import FAIL, PASS, SKIP, Report
from .user_pool import describe_app_client

TEST_USER_PREFIX = "wildrydes-verify-"
TEST_USER_DOMAIN = "example.com"


def verify(session, step: StepInput, identity_pool_id: str, *, proof: bool = True) -> Report:
    """Check the identity pool against ``step``; changes nothing in the pool or IAM.

    With ``proof`` a throw-away user signs in the way the web app will (USER_PASSWORD_AUTH,
    GetId, GetCredentialsForIdentity, STS GetCallerIdentity) and is deleted afterwards.
    """
    report = Report(f"Verification of identity pool {identity_pool_id}",
                    facts={"region": step.region, "identity_pool_id": identity_pool_id,
                           "user_pool_id": step.user_pool_id, "app_client_id": step.app_client_id})
    try:
        pool = describe(session, identity_pool_id)
    except WildrydesError as err:
        report.add("identity pool exists", FAIL, err.problem, err.fix)
        return report
    report.add("identity pool exists", PASS, f"'{pool['IdentityPoolName']}' in {step.region}")
    _check_provider(report, pool, step)
    allowed = bool(pool.get("AllowUnauthenticatedIdentities"))
    report.add("unauthenticated identities " + ("on" if step.allow_unauthenticated else "off"),
               PASS if allowed == step.allow_unauthenticated else FAIL,
               f"AllowUnauthenticatedIdentities is {allowed}",
               "Run the identity-pool step again: it sets the flag back.")
    role_arn = _check_roles(report, session, identity_pool_id, step)
    if proof:
        _prove_sign_in(report, session, step, identity_pool_id, role_arn)
    return report


def _check_provider(report: Report, pool: dict, step: StepInput) -> None:
    providers = pool.get("CognitoIdentityProviders", [])
    wanted = desired_providers(step)[0]
    shown = ", ".join(f"{p['ProviderName']} / {p.get('ClientId')}" for p in providers) or "none"
    exact = [(p["ProviderName"], p.get("ClientId")) for p in providers] == [(wanted["ProviderName"], wanted["ClientId"])]
    report.add("provider is this user pool and app client", PASS if exact else FAIL, shown,
               f"Run the identity-pool step again with user_pool_id {step.user_pool_id} "
               f"and app_client_id {step.app_client_id}; it repairs the provider.")


def _check_roles(report: Report, session, identity_pool_id: str, step: StepInput) -> str | None:
    """Role checks for each wanted kind; returns the authenticated role's ARN when it is usable."""
    identity = client(session, "cognito-identity")
    with calling("read the identity pool's roles"):
        attached = identity.get_identity_pool_roles(IdentityPoolId=identity_pool_id).get("Roles", {})
    kinds = [roles.AUTHENTICATED] + ([roles.UNAUTHENTICATED] if step.allow_unauthenticated else [])
    rerun = "Run the identity-pool step again: it creates the role and attaches it."
    usable = None
    for kind in kinds:
        arn = attached.get(kind)
        report.add(f"{kind} role attached", PASS if arn else FAIL, arn or "no role for this kind", rerun)
        if not arn:
            continue
        role = roles.get_role(session, roles.name_from_arn(arn))
        report.add(f"{kind} role exists", PASS if role else FAIL,
                   roles.name_from_arn(arn) + ("" if role else " is not in IAM"), rerun)
        if not role:
            continue
        problems = roles.trust_problems(role["AssumeRolePolicyDocument"], identity_pool_id, kind)
        repair = "Run the identity-pool step again: it rewrites the trust policy."
        report.add(f"{kind} role trusts only this pool (aud)",
                   FAIL if {"principal", "aud"} & problems.keys() else PASS,
                   problems.get("principal") or problems.get("aud") or f"aud = {identity_pool_id}", repair)
        report.add(f"{kind} role limited to {kind} identities (amr)",
                   FAIL if {"principal", "amr"} & problems.keys() else PASS,
                   problems.get("principal") or problems.get("amr") or f"amr = {kind}", repair)
        if kind == roles.AUTHENTICATED and not problems:
            usable = arn
    if not step.allow_unauthenticated and attached.get(roles.UNAUTHENTICATED):
        report.add("no unauthenticated role attached", FAIL, attached[roles.UNAUTHENTICATED],
                   "Run the identity-pool step again: it detaches the role.")
    return usable


def _test_password() -> str:
    # Satisfies the default policy: upper, lower, digit and symbol, 20 characters.
    body = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(16))
    return body + "aA1!"


def _prove_sign_in(report: Report, session, step: StepInput, identity_pool_id: str,
                   role_arn: str | None) -> None:
    name = "sign-in proof (user → ID token → identity → credentials → role)"
    if role_arn is None:
        report.add(name, SKIP, "the authenticated role is not usable, so the proof would fail for that reason",
                   "Fix the role checks above first.")
        return
    try:
        app = describe_app_client(session, step.user_pool_id, step.app_client_id)
    except WildrydesError as err:
        report.add(name, FAIL, err.problem, err.fix)
        return
    if not app.allows_password_auth:
        report.add(name, SKIP, "the app client does not allow USER_PASSWORD_AUTH, which the proof uses",
                   "Enable ALLOW_USER_PASSWORD_AUTH on the app client, or verify with proof off.")
        return
    if app.has_secret:
        report.add(name, SKIP, "the app client has a client secret; the workshop's web app needs one without",
                   "Create an app client without a secret (the workshop unticks 'Generate client secret').")
        return
    idp = client(session, "cognito-idp")
    username = f"{TEST_USER_PREFIX}{secrets.token_hex(4)}@{TEST_USER_DOMAIN}"
    password = _test_password()
    try:
        idp.admin_create_user(UserPoolId=step.user_pool_id, Username=username, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": username},
                                              {"Name": "email_verified", "Value": "true"}])
    except Exception as err:  # noqa: BLE001 - reported as a check, not raised
        report.add(name, SKIP, f"could not create a test user ({_why(err, 'create a test user')})",
                   "Run verify with an identity allowed cognito-idp:AdminCreateUser, or with proof off.")
        return
    try:
        _sign_in_and_assume(report, session, idp, step, identity_pool_id, role_arn, username, password)
    finally:
        try:
            idp.admin_delete_user(UserPoolId=step.user_pool_id, Username=username)
            report.add("test user removed", PASS, username)
        except Exception as err:  # noqa: BLE001 - the learner is told; cleanup also removes leftovers
            report.add("test user removed", FAIL, _why(err, "delete the test user"),
                       "Run 'wildrydes-nb cleanup': it removes leftover test users.")


def _sign_in_and_assume(report, session, idp, step, identity_pool_id, role_arn, username, password) -> None:
    stage = "sign in as a test user (USER_PASSWORD_AUTH)"
    try:
        idp.admin_set_user_password(UserPoolId=step.user_pool_id, Username=username,
                                    Password=password, Permanent=True)
        tokens = idp.initiate_auth(ClientId=step.app_client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": username, "PASSWORD": password})
        id_token = tokens["AuthenticationResult"]["IdToken"]
        report.add(stage, PASS, f"ID token received ({len(id_token)} characters, not shown)")
        # GetId and GetCredentialsForIdentity are unsigned: the login token is the proof.
        unsigned = session.client("cognito-identity", config=CLIENT_CONFIG.merge(Config(signature_version=UNSIGNED)))
        logins = {step.provider_name: id_token}
        stage = "GetId returns an identity"
        identity_id = unsigned.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"]
        report.add(stage, PASS, identity_id)
        stage = "GetCredentialsForIdentity returns temporary credentials"
        creds = unsigned.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
        report.add(stage, PASS, f"access key {redact(creds['AccessKeyId'])}, secret key and session token "
                                f"present (not shown), expire {creds['Expiration']:%Y-%m-%d %H:%M} UTC")
        stage = "STS GetCallerIdentity names the authenticated role"
        sts = session.client("sts", config=CLIENT_CONFIG, aws_access_key_id=creds["AccessKeyId"],
                             aws_secret_access_key=creds["SecretKey"], aws_session_token=creds["SessionToken"])
        caller = sts.get_caller_identity()["Arn"]
        wanted = roles.name_from_arn(role_arn)
        ok = f":assumed-role/{wanted}/" in caller
        report.add(stage, PASS if ok else FAIL, caller,
                   None if ok else f"Attach {role_arn} as the authenticated role (run the step again).")
    except Exception as err:  # noqa: BLE001 - each failure becomes a failed check
        report.add(stage, FAIL, _why(err, stage), _fix_for(err))


def _why(err: BaseException, action: str) -> str:
    clear = explain(err, action)
    if clear is not None:
        return clear.problem
    code = error_code(err)
    message = getattr(err, "response", {}).get("Error", {}).get("Message", str(err))
    return f"{code}: {message}" if code else str(err)


_FIXES = {
    "Token is not from a supported provider of this identity pool.":
        "The pool's app client differs from the one that signed the user in: run the step again with the right app_client_id.",
    "Invalid login token. Issuer doesn't match providerName":
        "The pool's provider names another user pool or region: run the step again with the right user_pool_id.",
    "Invalid identity pool configuration. Check assigned IAM roles for this pool.":
        "Run the identity-pool step again: it attaches the role and scopes its trust to this pool.",
    "USER_PASSWORD_AUTH flow not enabled for this client":
        "Enable ALLOW_USER_PASSWORD_AUTH on the app client, or verify with proof off.",
}


def _fix_for(err: BaseException) -> str:
    message = getattr(err, "response", {}).get("Error", {}).get("Message", "")
    return _FIXES.get(message, "Read the detail; after fixing, run verify again (it is safe to re-run).")
