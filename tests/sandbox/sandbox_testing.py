"""What the sandbox's tests share: constants, boto3 clients kept between tests, the error
expectation, and the learner's state after the workshop's steps (a user pool, an identity pool
and its role), made through the server with plain boto3."""

from __future__ import annotations

import base64
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = "us-east-2"
ACCOUNT_ID = "123456789012"  # moto's default account, also for unsigned calls
PASSWORD = "Passw0rd!!"
POOL_NAME = "wildrydes_identity_pool"
AUTH_ROLE = f"Cognito_{POOL_NAME}Auth_Role"
UNAUTH_ROLE = f"Cognito_{POOL_NAME}Unauth_Role"
NO_RETRIES = Config(retries={"max_attempts": 1})
AUD_KEY = "cognito-identity.amazonaws.com:aud"
AMR_KEY = "cognito-identity.amazonaws.com:amr"


class Clients:
    """boto3 clients for one way of reaching moto: in process, or a sandbox server."""

    def __init__(self, endpoint_url: str | None):
        self.endpoint_url = endpoint_url
        # Made once and kept: a client holds no state of moto's, and making one costs more than
        # most of these tests' calls.
        self._made: dict[tuple, Any] = {}

    def __call__(self, service: str, config: Config = NO_RETRIES, **kwargs: Any) -> Any:
        key = (service, id(config), tuple(sorted(kwargs.items())))
        if key not in self._made:
            self._made[key] = boto3.client(service, region_name=REGION, endpoint_url=self.endpoint_url,
                                           config=config, **kwargs)
        return self._made[key]


_kept: dict[str | None, Clients] = {}


def kept_clients(endpoint_url: str | None) -> Clients:
    """The one `Clients` for this endpoint (None: the in-process mock), kept between tests."""
    return _kept.setdefault(endpoint_url, Clients(endpoint_url))


@contextmanager
def raises_aws_error(code: str | tuple[str, str], message: str | re.Pattern[str] | None = None, *,
                     status: int | None = None) -> Iterator[None]:
    """Expect a ClientError with this code and this message (a compiled pattern must match it
    all), and this HTTP status when given. ``code`` may be a ``(code, message)`` pair."""
    if isinstance(code, tuple):
        code, message = code
    with pytest.raises(ClientError) as excinfo:
        yield
    response = excinfo.value.response
    assert response["Error"]["Code"] == code
    if isinstance(message, re.Pattern):
        assert message.fullmatch(response["Error"]["Message"]), response["Error"]["Message"]
    else:
        assert response["Error"]["Message"] == message
    if status is not None:
        assert response["ResponseMetadata"]["HTTPStatusCode"] == status


@dataclass
class Workshop:
    """What a learner has after the workshop's steps: user pool, app client, identity pool, role,
    and alice signed in."""

    user_pool_id: str
    app_client_id: str
    provider: str
    identity_pool_id: str
    auth_role_arn: str
    id_token: str
    access_token: str = ""

    @property
    def logins(self) -> dict[str, str]:
        return {self.provider: self.id_token}

    @property
    def mapping_key(self) -> str:
        return f"{self.provider}:{self.app_client_id}"


def create_user_pool(aws: Clients, flows: list[str] | None = None) -> tuple[str, str]:
    """A user pool with an app client (allowing USER_PASSWORD_AUTH unless told otherwise)."""
    idp = aws("cognito-idp")
    user_pool_id = idp.create_user_pool(PoolName="WildRydes")["UserPool"]["Id"]
    client_kwargs = {"ExplicitAuthFlows": flows} if flows is not None else {}
    app_client_id = idp.create_user_pool_client(
        UserPoolId=user_pool_id, ClientName="wildrydes-web-app", **client_kwargs)["UserPoolClient"]["ClientId"]
    return user_pool_id, app_client_id


def add_user(aws: Clients, user_pool_id: str, username: str) -> None:
    idp = aws("cognito-idp")
    idp.admin_create_user(UserPoolId=user_pool_id, Username=username)
    idp.admin_set_user_password(UserPoolId=user_pool_id, Username=username, Password=PASSWORD, Permanent=True)


def sign_in(aws: Clients, app_client_id: str, username: str) -> dict[str, Any]:
    return aws("cognito-idp").initiate_auth(ClientId=app_client_id, AuthFlow="USER_PASSWORD_AUTH",
                                            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})


def provider_name(user_pool_id: str) -> str:
    return f"cognito-idp.{REGION}.amazonaws.com/{user_pool_id}"


def create_identity_pool(aws: Clients, provider: str, app_client_id: str, allow_unauthenticated: bool = False,
                         **pool_settings: Any) -> str:
    return aws("cognito-identity").create_identity_pool(
        IdentityPoolName=POOL_NAME, AllowUnauthenticatedIdentities=allow_unauthenticated,
        CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": app_client_id}],
        **pool_settings)["IdentityPoolId"]


def trust_policy(identity_pool_id: str, amr: str = "authenticated", **statement: Any) -> str:
    """The trust policy the console's "Allow" gave the role; ``statement`` overrides parts."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {AUD_KEY: identity_pool_id}, "ForAnyValue:StringLike": {AMR_KEY: amr}},
        **statement}]})


def create_role(aws: Clients, name: str, policy_document: str) -> str:
    return aws("iam").create_role(RoleName=name, AssumeRolePolicyDocument=policy_document)["Role"]["Arn"]


def build_workshop(aws: Clients, allow_unauthenticated: bool = False, **pool_settings: Any) -> Workshop:
    """User pool, app client, signed-in alice, identity pool and its authenticated role."""
    user_pool_id, app_client_id = create_user_pool(aws, ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    add_user(aws, user_pool_id, "alice")
    tokens = sign_in(aws, app_client_id, "alice")["AuthenticationResult"]
    provider = provider_name(user_pool_id)
    identity_pool_id = create_identity_pool(aws, provider, app_client_id, allow_unauthenticated, **pool_settings)
    auth_role_arn = create_role(aws, AUTH_ROLE, trust_policy(identity_pool_id))
    aws("cognito-identity").set_identity_pool_roles(IdentityPoolId=identity_pool_id,
                                                    Roles={"authenticated": auth_role_arn})
    return Workshop(user_pool_id, app_client_id, provider, identity_pool_id, auth_role_arn, tokens["IdToken"],
                    tokens["AccessToken"])


def sandbox_public_keys() -> Any:
    from wildrydes_nb.sandbox.cognitoidentity.models import MOTO_USER_POOL_KEYS

    return MOTO_USER_POOL_KEYS


def forged(token: str, keys: Any = None) -> str:
    """The same claims, signed with a key that is not the sandbox's (``keys`` read the original)."""
    from joserfc import jwk, jwt

    claims = jwt.decode(token, keys or sandbox_public_keys()).claims
    return jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, jwk.RSAKey.generate_key(2048))


def with_claims(token: str, **changes: str) -> str:
    """The original signature over claims that were changed afterwards."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    new_payload = base64.urlsafe_b64encode(json.dumps({**claims, **changes}).encode()).rstrip(b"=").decode()
    return f"{header}.{new_payload}.{signature}"
