"""Tests of the local AWS sandbox: the moto extension through the server, and in process."""

from __future__ import annotations

import base64
import os
import re
import socket
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import boto3
import botocore
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws

from wildrydes_nb import sandbox

from sandbox_testing import (ACCOUNT_ID, AMR_KEY, AUTH_ROLE, NO_RETRIES, PASSWORD, POOL_NAME, REGION, UNAUTH_ROLE,
                             add_user, build_workshop, Clients, create_identity_pool, create_role,
                             create_user_pool, forged, kept_clients, provider_name, raises_aws_error,
                             sign_in, trust_policy, with_claims, Workshop)

UNKNOWN_POOL_ID = f"{REGION}:00000000-0000-0000-0000-000000000000"


@pytest.fixture(autouse=True)
def dummy_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make sure nothing reaches real AWS, whatever the session or the machine has set."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


@pytest.fixture(scope="module")
def server() -> Iterator[sandbox.Sandbox]:
    with sandbox.start() as running:
        yield running


@pytest.fixture(scope="module")
def moto_access(server: sandbox.Sandbox) -> tuple[Clients, Any]:
    """The module's sandbox server, and how to empty it. Every behaviour is tested through the
    server; the extensions in process (``mock_aws``) are shown by the tests named "in process"."""
    return kept_clients(server.endpoint_url), server.reset


@pytest.fixture
def aws(moto_access: tuple[Clients, Any]) -> Clients:
    clients, reset = moto_access
    reset()
    return clients


def caller_arn(aws: Clients, credentials: dict[str, Any]) -> str:
    """The ARN STS reports for a caller using these Cognito credentials."""
    return aws(
        "sts",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretKey"],
        aws_session_token=credentials["SessionToken"],
    ).get_caller_identity()["Arn"]


def assumed_role_arn(role_name: str) -> str:
    return f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/CognitoIdentityCredentials"


def identity_backend() -> Any:
    from moto.cognitoidentity.models import cognitoidentity_backends

    return cognitoidentity_backends[ACCOUNT_ID][REGION]


# --- SetIdentityPoolRoles / GetIdentityPoolRoles ---------------------------------------


def test_set_identity_pool_roles_round_trips_roles_and_role_mappings(
    aws: Clients, workshop: Workshop
) -> None:
    unauth_arn = f"arn:aws:iam::{ACCOUNT_ID}:role/{UNAUTH_ROLE}"
    mappings = {
        f"{workshop.provider}:{workshop.app_client_id}": {
            "Type": "Token",
            "AmbiguousRoleResolution": "AuthenticatedRole",
        }
    }
    cognito = aws("cognito-identity")
    cognito.set_identity_pool_roles(
        IdentityPoolId=workshop.identity_pool_id,
        Roles={"authenticated": workshop.auth_role_arn, "unauthenticated": unauth_arn},
        RoleMappings=mappings,
    )

    answer = cognito.get_identity_pool_roles(IdentityPoolId=workshop.identity_pool_id)

    assert answer["IdentityPoolId"] == workshop.identity_pool_id
    assert answer["Roles"] == {
        "authenticated": workshop.auth_role_arn,
        "unauthenticated": unauth_arn,
    }
    assert answer["RoleMappings"] == mappings


def test_set_identity_pool_roles_replaces_the_previous_roles(
    aws: Clients, workshop: Workshop
) -> None:
    cognito = aws("cognito-identity")
    cognito.set_identity_pool_roles(
        IdentityPoolId=workshop.identity_pool_id,
        Roles={"unauthenticated": f"arn:aws:iam::{ACCOUNT_ID}:role/{UNAUTH_ROLE}"},
    )

    answer = cognito.get_identity_pool_roles(IdentityPoolId=workshop.identity_pool_id)

    assert answer["Roles"] == {
        "unauthenticated": f"arn:aws:iam::{ACCOUNT_ID}:role/{UNAUTH_ROLE}"
    }


def test_get_identity_pool_roles_of_a_pool_without_roles(aws: Clients) -> None:
    identity_pool_id = create_identity_pool(aws, provider_name("us-east-2_x"), "client")

    answer = aws("cognito-identity").get_identity_pool_roles(IdentityPoolId=identity_pool_id)

    assert answer["IdentityPoolId"] == identity_pool_id
    assert answer["Roles"] == {}
    assert "RoleMappings" not in answer


def test_set_identity_pool_roles_refuses_a_role_name_instead_of_an_arn(
    aws: Clients, workshop: Workshop
) -> None:
    with raises_aws_error("NotAuthorizedException", f"Access to Role '{AUTH_ROLE}' is forbidden."):
        aws("cognito-identity").set_identity_pool_roles(
            IdentityPoolId=workshop.identity_pool_id, Roles={"authenticated": AUTH_ROLE}
        )


def test_set_identity_pool_roles_refuses_an_unknown_role_type(
    aws: Clients, workshop: Workshop
) -> None:
    with raises_aws_error(
        "ValidationException",
        f"1 validation error detected: Value '{{admin={workshop.auth_role_arn}}}' at 'roles' "
        "failed to satisfy constraint: Map keys must satisfy constraint: "
        "[Member must have length less than or equal to 128, "
        "Member must have length greater than or equal to 1, "
        "Member must satisfy regular expression pattern: (un)?authenticated]",
    ):
        aws("cognito-identity").set_identity_pool_roles(
            IdentityPoolId=workshop.identity_pool_id, Roles={"admin": workshop.auth_role_arn}
        )


def test_deleting_an_identity_pool_drops_its_roles_and_identities(
    aws: Clients, workshop: Workshop
) -> None:
    cognito = aws("cognito-identity")
    cognito.get_id(
        IdentityPoolId=workshop.identity_pool_id, Logins={workshop.provider: workshop.id_token}
    )

    cognito.delete_identity_pool(IdentityPoolId=workshop.identity_pool_id)

    backend = identity_backend()
    assert workshop.identity_pool_id not in backend.identity_pool_roles
    assert backend.identities == {}


# --- unknown identity pool ---------------------------------------------------------------

UNKNOWN_POOL_CALLS = {
    "describe_identity_pool": {"IdentityPoolId": UNKNOWN_POOL_ID},
    "update_identity_pool": {
        "IdentityPoolId": UNKNOWN_POOL_ID,
        "IdentityPoolName": POOL_NAME,
        "AllowUnauthenticatedIdentities": False,
    },
    "delete_identity_pool": {"IdentityPoolId": UNKNOWN_POOL_ID},
    "list_identities": {"IdentityPoolId": UNKNOWN_POOL_ID, "MaxResults": 10},
    "get_id": {"IdentityPoolId": UNKNOWN_POOL_ID},
    "set_identity_pool_roles": {
        "IdentityPoolId": UNKNOWN_POOL_ID,
        "Roles": {"authenticated": f"arn:aws:iam::{ACCOUNT_ID}:role/{AUTH_ROLE}"},
    },
    "get_identity_pool_roles": {"IdentityPoolId": UNKNOWN_POOL_ID},
}


@pytest.mark.parametrize("operation", UNKNOWN_POOL_CALLS)
def test_unknown_identity_pool_is_resource_not_found(aws: Clients, operation: str) -> None:
    create_identity_pool(aws, provider_name("us-east-2_x"), "client")
    cognito = aws("cognito-identity")

    with raises_aws_error(
        "ResourceNotFoundException", f"IdentityPool '{UNKNOWN_POOL_ID}' not found."
    ):
        getattr(cognito, operation)(**UNKNOWN_POOL_CALLS[operation])


def test_get_id_for_a_pool_id_of_another_region_is_resource_not_found(aws: Clients) -> None:
    pool_id = "eu-west-1:00000000-0000-0000-0000-000000000000"

    with raises_aws_error("ResourceNotFoundException", f"IdentityPool '{pool_id}' not found."):
        aws("cognito-identity").get_id(IdentityPoolId=pool_id)


# --- identity pool name -------------------------------------------------------------------


def test_update_identity_pool_renames_the_pool(aws: Clients) -> None:
    identity_pool_id = create_identity_pool(aws, provider_name("us-east-2_x"), "client")
    cognito = aws("cognito-identity")

    cognito.update_identity_pool(
        IdentityPoolId=identity_pool_id,
        IdentityPoolName="wildrydes_renamed",
        AllowUnauthenticatedIdentities=False,
    )

    described = cognito.describe_identity_pool(IdentityPoolId=identity_pool_id)
    assert described["IdentityPoolName"] == "wildrydes_renamed"


def create_pool_named(aws: Clients, name: str) -> None:
    aws("cognito-identity").create_identity_pool(
        IdentityPoolName=name, AllowUnauthenticatedIdentities=False
    )


def update_pool_name(aws: Clients, name: str) -> None:
    identity_pool_id = create_identity_pool(aws, provider_name("us-east-2_x"), "client")
    aws("cognito-identity").update_identity_pool(
        IdentityPoolId=identity_pool_id,
        IdentityPoolName=name,
        AllowUnauthenticatedIdentities=False,
    )


@pytest.mark.parametrize("name_pool", [create_pool_named, update_pool_name])
def test_identity_pool_name_may_have_128_characters_not_129(aws: Clients, name_pool: Any) -> None:
    name_pool(aws, "a" * 128)

    with raises_aws_error(
        "ValidationException",
        f"1 validation error detected: Value '{'a' * 129}' at 'identityPoolName' failed to "
        "satisfy constraint: Member must have length less than or equal to 128",
    ):
        name_pool(aws, "a" * 129)


@pytest.mark.parametrize("name_pool", [create_pool_named, update_pool_name])
def test_identity_pool_name_with_quotes_is_refused(aws: Clients, name_pool: Any) -> None:
    with raises_aws_error(
        "ValidationException",
        "1 validation error detected: Value '\"wildrydes\"' at 'identityPoolName' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+",
    ):
        name_pool(aws, '"wildrydes"')


# --- GetId ---------------------------------------------------------------------------------

IDENTITY_ID = re.compile(rf"{REGION}:[0-9a-f]{{8}}(-[0-9a-f]{{4}}){{3}}-[0-9a-f]{{12}}")


def test_get_id_without_logins_is_refused_when_unauthenticated_identities_are_off(
    aws: Clients, workshop: Workshop
) -> None:
    with raises_aws_error(
        "NotAuthorizedException", "Unauthenticated access is not supported for this identity pool."
    ):
        aws("cognito-identity").get_id(IdentityPoolId=workshop.identity_pool_id)


def test_get_id_without_logins_gives_new_identities_when_unauthenticated_identities_are_on(
    aws: Clients,
) -> None:
    workshop = build_workshop(aws, allow_unauthenticated=True)
    cognito = aws("cognito-identity")

    first = cognito.get_id(IdentityPoolId=workshop.identity_pool_id)["IdentityId"]
    second = cognito.get_id(IdentityPoolId=workshop.identity_pool_id)["IdentityId"]

    assert IDENTITY_ID.fullmatch(first)
    assert first != second


def test_get_id_gives_a_user_the_same_identity_every_time(aws: Clients, workshop: Workshop) -> None:
    add_user(aws, workshop.user_pool_id, "bob")
    bob_token = sign_in(aws, workshop.app_client_id, "bob")["AuthenticationResult"]["IdToken"]
    alice_token_again = sign_in(aws, workshop.app_client_id, "alice")["AuthenticationResult"][
        "IdToken"
    ]
    cognito = aws("cognito-identity")

    def identity_of(token: str) -> str:
        return cognito.get_id(
            IdentityPoolId=workshop.identity_pool_id, Logins={workshop.provider: token}
        )["IdentityId"]

    alice = identity_of(workshop.id_token)

    assert IDENTITY_ID.fullmatch(alice)
    assert identity_of(alice_token_again) == alice
    assert identity_of(bob_token) != alice
    listed = cognito.list_identities(IdentityPoolId=workshop.identity_pool_id, MaxResults=10)
    assert sorted(identity["IdentityId"] for identity in listed["Identities"]) == sorted(
        [alice, identity_of(bob_token)]
    )


@pytest.mark.parametrize(
    "provider_key",
    [
        "cognito-idp:{region}.amazonaws.com/{user_pool_id}",
        "cognito-idp.eu-west-1.amazonaws.com/{user_pool_id}",
        "cognito-idp.{region}.amazonaws.com/{region}:{user_pool_id}",
    ],
    ids=["colon-for-dot", "wrong-region", "doubled-region-prefix"],
)
def test_get_id_refuses_a_provider_key_that_is_not_the_token_issuer(
    aws: Clients, workshop: Workshop, provider_key: str
) -> None:
    key = provider_key.format(region=REGION, user_pool_id=workshop.user_pool_id)

    with raises_aws_error(
        "NotAuthorizedException", "Invalid login token. Issuer doesn't match providerName"
    ):
        aws("cognito-identity").get_id(
            IdentityPoolId=workshop.identity_pool_id, Logins={key: workshop.id_token}
        )


def test_get_id_refuses_an_access_token(aws: Clients, workshop: Workshop) -> None:
    with raises_aws_error(
        "NotAuthorizedException", "Invalid login token. Missing a required claim: aud"
    ):
        aws("cognito-identity").get_id(
            IdentityPoolId=workshop.identity_pool_id,
            Logins={workshop.provider: workshop.access_token},
        )


def test_get_id_refuses_a_token_of_an_app_client_the_pool_does_not_name(aws: Clients) -> None:
    user_pool_id, app_client_id = create_user_pool(aws, ["ALLOW_USER_PASSWORD_AUTH"])
    other_client_id = aws("cognito-idp").create_user_pool_client(
        UserPoolId=user_pool_id, ClientName="other"
    )["UserPoolClient"]["ClientId"]
    add_user(aws, user_pool_id, "alice")
    token = sign_in(aws, app_client_id, "alice")["AuthenticationResult"]["IdToken"]
    provider = provider_name(user_pool_id)
    identity_pool_id = create_identity_pool(aws, provider, other_client_id)

    with raises_aws_error(
        "NotAuthorizedException", "Token is not from a supported provider of this identity pool."
    ):
        aws("cognito-identity").get_id(IdentityPoolId=identity_pool_id, Logins={provider: token})


def test_get_id_refuses_a_token_of_a_user_pool_the_pool_does_not_name(
    aws: Clients, workshop: Workshop
) -> None:
    other_pool_id, other_client_id = create_user_pool(aws, ["ALLOW_USER_PASSWORD_AUTH"])
    add_user(aws, other_pool_id, "alice")
    token = sign_in(aws, other_client_id, "alice")["AuthenticationResult"]["IdToken"]
    # The right app client, but paired with the other user pool's id.
    identity_pool_id = create_identity_pool(aws, workshop.provider, other_client_id)

    with raises_aws_error(
        "NotAuthorizedException", "Token is not from a supported provider of this identity pool."
    ):
        aws("cognito-identity").get_id(
            IdentityPoolId=identity_pool_id, Logins={provider_name(other_pool_id): token}
        )


def tampered(token: str) -> str:
    """moto's signature over claims that were changed afterwards (another `sub`)."""
    return with_claims(token, sub="00000000-0000-0000-0000-000000000000")


def unsigned(token: str) -> str:
    """The same claims under an `alg: none` header, with no signature."""
    _, payload, _ = token.split(".")
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    return f"{header}.{payload}."


# A JWT whose signature fails: "Couldn't verify signed token." (../shared/workshop/aws-facts.md);
# something that is no JWT at all keeps the message of a value that is not a token (inferred).
@pytest.mark.parametrize(
    ("spoil", "reason"),
    [(lambda token: "not-a-jwt", "Not a valid OpenId Connect identity token."),
     (forged, "Couldn't verify signed token."),
     (tampered, "Couldn't verify signed token."),
     (unsigned, "Couldn't verify signed token.")],
    ids=["garbage", "forged", "tampered", "alg-none"],
)
def test_get_id_refuses_a_token_that_is_not_a_valid_id_token(
    aws: Clients, workshop: Workshop, spoil: Any, reason: str
) -> None:
    with raises_aws_error("NotAuthorizedException", f"Invalid login token. {reason}"):
        aws("cognito-identity").get_id(
            IdentityPoolId=workshop.identity_pool_id,
            Logins={workshop.provider: spoil(workshop.id_token)},
        )


def test_get_id_refuses_an_expired_token(aws: Clients, workshop: Workshop) -> None:
    from moto.cognitoidp.models import cognitoidp_backends

    user_pool = cognitoidp_backends[ACCOUNT_ID][REGION].user_pools[workshop.user_pool_id]
    expired, _ = user_pool.create_jwt(workshop.app_client_id, "alice", "id", expires_in=-60)

    with raises_aws_error(
        "NotAuthorizedException", re.compile(r"Invalid login token\. Token expired: \d+ >= \d+")
    ):
        aws("cognito-identity").get_id(
            IdentityPoolId=workshop.identity_pool_id, Logins={workshop.provider: expired}
        )


# --- GetCredentialsForIdentity -------------------------------------------------------------


def authenticated_identity(aws: Clients, workshop: Workshop) -> str:
    return aws("cognito-identity").get_id(
        IdentityPoolId=workshop.identity_pool_id, Logins={workshop.provider: workshop.id_token}
    )["IdentityId"]


def test_get_credentials_for_identity_gives_credentials_of_the_authenticated_role(
    aws: Clients, workshop: Workshop
) -> None:
    identity_id = authenticated_identity(aws, workshop)

    answer = aws("cognito-identity").get_credentials_for_identity(
        IdentityId=identity_id, Logins={workshop.provider: workshop.id_token}
    )

    assert answer["IdentityId"] == identity_id
    credentials = answer["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert credentials["SecretKey"] and credentials["SessionToken"]
    lifetime = credentials["Expiration"] - datetime.now(timezone.utc)
    assert timedelta(minutes=55) < lifetime <= timedelta(hours=1)
    assert caller_arn(aws, credentials) == assumed_role_arn(AUTH_ROLE)


def test_get_credentials_for_an_unauthenticated_identity_uses_the_unauthenticated_role(
    aws: Clients,
) -> None:
    workshop = build_workshop(aws, allow_unauthenticated=True)
    unauth_arn = create_role(
        aws, UNAUTH_ROLE, trust_policy(workshop.identity_pool_id, amr="unauthenticated")
    )
    cognito = aws("cognito-identity")
    cognito.set_identity_pool_roles(
        IdentityPoolId=workshop.identity_pool_id,
        Roles={"authenticated": workshop.auth_role_arn, "unauthenticated": unauth_arn},
    )
    identity_id = cognito.get_id(IdentityPoolId=workshop.identity_pool_id)["IdentityId"]

    credentials = cognito.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]

    assert caller_arn(aws, credentials) == assumed_role_arn(UNAUTH_ROLE)


def test_get_id_and_get_credentials_for_identity_work_unsigned(
    aws: Clients, workshop: Workshop
) -> None:
    cognito = aws(
        "cognito-identity",
        config=NO_RETRIES.merge(Config(signature_version=botocore.UNSIGNED)),
    )
    logins = {workshop.provider: workshop.id_token}

    identity_id = cognito.get_id(IdentityPoolId=workshop.identity_pool_id, Logins=logins)[
        "IdentityId"
    ]
    credentials = cognito.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)[
        "Credentials"
    ]

    assert caller_arn(aws, credentials) == assumed_role_arn(AUTH_ROLE)


def test_get_credentials_for_an_unknown_identity_is_resource_not_found(
    aws: Clients, workshop: Workshop
) -> None:
    identity_id = f"{REGION}:11111111-1111-1111-1111-111111111111"

    with raises_aws_error("ResourceNotFoundException", f"Identity '{identity_id}' not found."):
        aws("cognito-identity").get_credentials_for_identity(
            IdentityId=identity_id, Logins={workshop.provider: workshop.id_token}
        )


def no_roles(aws: Clients, workshop: Workshop) -> None:
    aws("cognito-identity").set_identity_pool_roles(
        IdentityPoolId=workshop.identity_pool_id, Roles={}
    )


def role_missing_from_iam(aws: Clients, workshop: Workshop) -> None:
    aws("iam").delete_role(RoleName=AUTH_ROLE)


def trust(pool_id: str | None = None, **overrides: Any) -> Any:
    """A change of the authenticated role's trust policy (`trust_policy` with these arguments)."""

    def change(aws: Clients, workshop: Workshop) -> None:
        policy = trust_policy(pool_id or workshop.identity_pool_id, **overrides)
        aws("iam").update_assume_role_policy(RoleName=AUTH_ROLE, PolicyDocument=policy)

    return change


@pytest.mark.parametrize(
    "misconfigure",
    [
        no_roles,
        role_missing_from_iam,
        trust(pool_id=f"{REGION}:22222222-2222-2222-2222-222222222222"),
        trust(amr="unauthenticated"),
        trust(Condition={"ForAnyValue:StringLike": {AMR_KEY: "authenticated"}}),
        trust(Principal={"Service": "lambda.amazonaws.com"}),
        trust(Action="sts:AssumeRole"),
        trust(Effect="Deny"),
    ],
    ids=[
        "no-roles",
        "role-missing-from-iam",
        "trust-for-another-pool",
        "trust-for-unauthenticated",
        "trust-without-aud-condition",
        "trust-for-another-principal",
        "trust-for-another-action",
        "trust-denies",
    ],
)
def test_get_credentials_needs_a_role_whose_trust_admits_the_pool(
    aws: Clients, workshop: Workshop, misconfigure: Any
) -> None:
    identity_id = authenticated_identity(aws, workshop)
    misconfigure(aws, workshop)

    with raises_aws_error(
        "InvalidIdentityPoolConfigurationException",
        "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
    ):
        aws("cognito-identity").get_credentials_for_identity(
            IdentityId=identity_id, Logins={workshop.provider: workshop.id_token}
        )


def test_get_credentials_accepts_a_trust_with_lists_and_wildcards(
    aws: Clients, workshop: Workshop
) -> None:
    identity_id = authenticated_identity(aws, workshop)
    trust(
        Principal={"Federated": ["accounts.google.com", "cognito-identity.amazonaws.com"]},
        Action=["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
        amr=["unauth*", "auth*"],
    )(aws, workshop)

    answer = aws("cognito-identity").get_credentials_for_identity(
        IdentityId=identity_id, Logins={workshop.provider: workshop.id_token}
    )

    assert caller_arn(aws, answer["Credentials"]) == assumed_role_arn(AUTH_ROLE)


@pytest.mark.parametrize(
    ("token_of", "message"),
    [
        (
            lambda workshop: "not-a-jwt",
            "Invalid login token. Not a valid OpenId Connect identity token.",
        ),
        (
            lambda workshop: workshop.access_token,
            "Invalid login token. Missing a required claim: aud",
        ),
    ],
    ids=["garbage", "access-token"],
)
def test_get_credentials_checks_the_login_token(
    aws: Clients, workshop: Workshop, token_of: Any, message: str
) -> None:
    identity_id = authenticated_identity(aws, workshop)

    with raises_aws_error("NotAuthorizedException", message):
        aws("cognito-identity").get_credentials_for_identity(
            IdentityId=identity_id, Logins={workshop.provider: token_of(workshop)}
        )


def test_get_credentials_refuses_the_logins_of_another_user(
    aws: Clients, workshop: Workshop
) -> None:
    identity_id = authenticated_identity(aws, workshop)
    add_user(aws, workshop.user_pool_id, "bob")
    bob_token = sign_in(aws, workshop.app_client_id, "bob")["AuthenticationResult"]["IdToken"]

    with raises_aws_error(
        "NotAuthorizedException",
        "Logins don't match. Please include at least one valid login for this identity or "
        "identity pool.",
    ):
        aws("cognito-identity").get_credentials_for_identity(
            IdentityId=identity_id, Logins={workshop.provider: bob_token}
        )


def test_get_credentials_without_logins_is_refused_when_unauthenticated_identities_are_off(
    aws: Clients, workshop: Workshop
) -> None:
    identity_id = authenticated_identity(aws, workshop)

    with raises_aws_error(
        "NotAuthorizedException", "Unauthenticated access is not supported for this identity pool."
    ):
        aws("cognito-identity").get_credentials_for_identity(IdentityId=identity_id)


def test_get_credentials_without_logins_for_an_authenticated_identity_is_forbidden(
    aws: Clients,
) -> None:
    workshop = build_workshop(aws, allow_unauthenticated=True)
    identity_id = authenticated_identity(aws, workshop)

    with raises_aws_error(
        "NotAuthorizedException", f"Access to Identity '{identity_id}' is forbidden."
    ):
        aws("cognito-identity").get_credentials_for_identity(IdentityId=identity_id)


# --- InitiateAuth and the app client's auth flows --------------------------------------------


@pytest.mark.parametrize(
    "flows",
    [None, ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]],
    ids=["flows-not-set", "srp-only"],
)
def test_user_password_auth_is_refused_unless_the_app_client_allows_it(
    aws: Clients, flows: list[str] | None
) -> None:
    user_pool_id, app_client_id = create_user_pool(aws, flows)
    add_user(aws, user_pool_id, "alice")

    with raises_aws_error(
        "InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client"
    ):
        sign_in(aws, app_client_id, "alice")


@pytest.mark.parametrize("flag", ["ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"])
def test_user_password_auth_works_when_the_app_client_allows_it(aws: Clients, flag: str) -> None:
    user_pool_id, app_client_id = create_user_pool(aws, [flag, "ALLOW_REFRESH_TOKEN_AUTH"])
    add_user(aws, user_pool_id, "alice")

    assert sign_in(aws, app_client_id, "alice")["AuthenticationResult"]["IdToken"]


# --- the sandbox itself ----------------------------------------------------------------------


def test_importing_the_sandbox_does_not_import_moto_or_boto3() -> None:
    probe = (
        "import sys, wildrydes_nb.sandbox\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('moto', 'boto3', 'botocore')))"
    )

    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()

    assert loaded == "[]"


def test_install_can_run_again(monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.install()
    monkeypatch.setattr(sandbox, "_installed", False)
    sandbox.install()
    aws = Clients(endpoint_url=None)

    with mock_aws():
        user_pool_id, app_client_id = create_user_pool(aws, ["ALLOW_USER_PASSWORD_AUTH"])
        add_user(aws, user_pool_id, "alice")
        assert sign_in(aws, app_client_id, "alice")["AuthenticationResult"]["IdToken"]
        _, srp_client_id = create_user_pool(aws, ["ALLOW_USER_SRP_AUTH"])
        with raises_aws_error(
            "InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client"
        ):
            sign_in(aws, srp_client_id, "alice")


def test_in_process_too_a_learner_gets_credentials_of_the_authenticated_role() -> None:
    sandbox.install()
    aws = Clients(endpoint_url=None)
    with mock_aws():
        workshop = build_workshop(aws)
        identity_id = authenticated_identity(aws, workshop)
        with raises_aws_error(
            "NotAuthorizedException", "Unauthenticated access is not supported for this identity pool."
        ):
            aws("cognito-identity").get_credentials_for_identity(IdentityId=identity_id)
        answer = aws("cognito-identity").get_credentials_for_identity(
            IdentityId=identity_id, Logins={workshop.provider: workshop.id_token}
        )
        assert caller_arn(aws, answer["Credentials"]) == assumed_role_arn(AUTH_ROLE)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:5000", True),
        ("http://127.8.9.10", True),
        ("http://localhost:5000/", True),
        ("http://[::1]:5000", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("http://0.0.0.0:5000", False),
        ("http://192.168.1.10:5000", False),
        ("https://cognito-identity.us-east-2.amazonaws.com", False),
        ("http://127.0.0.1.example.com", False),
        ("", False),
    ],
)
def test_is_loopback(url: str, expected: bool) -> None:
    assert sandbox.is_loopback(url) is expected


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_start_refuses_a_host_that_is_not_loopback(host: str) -> None:
    with pytest.raises(ValueError, match="not a loopback address"):
        sandbox.start(host=host)


def test_env_points_boto3_at_the_sandbox(
    server: sandbox.Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.reset()
    env = server.env()
    assert env == {
        "AWS_ENDPOINT_URL": server.endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-2",
        "AWS_REGION": "us-east-2",
    }
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.endpoint_url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    boto3.client("cognito-identity", config=NO_RETRIES).create_identity_pool(
        IdentityPoolName=POOL_NAME, AllowUnauthenticatedIdentities=False
    )

    pools = identity_backend().identity_pools.values()
    assert [pool.identity_pool_name for pool in pools] == [POOL_NAME]


def test_reset_deletes_everything_including_the_extension_state(server: sandbox.Sandbox) -> None:
    server.reset()
    aws = Clients(server.endpoint_url)
    workshop = build_workshop(aws)
    authenticated_identity(aws, workshop)
    backend = identity_backend()
    assert backend.identity_pool_roles and backend.identities

    server.reset()

    backend = identity_backend()
    assert backend.identity_pools == {}
    assert backend.identity_pool_roles == {}
    assert backend.identities == {}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_start_on_a_given_port_and_stop_frees_it() -> None:
    port = free_port()
    with sandbox.start(port=port) as first:
        assert first.endpoint_url == f"http://127.0.0.1:{port}"
    with pytest.raises(EndpointConnectionError):
        Clients(first.endpoint_url)("cognito-identity").list_identity_pools(MaxResults=1)

    with sandbox.start(port=port) as second:
        assert second.endpoint_url == f"http://127.0.0.1:{port}"
        Clients(second.endpoint_url)("cognito-identity").list_identity_pools(MaxResults=1)


def test_start_on_a_taken_port_fails_instead_of_hanging() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        outcome: dict[str, BaseException] = {}

        def attempt() -> None:
            try:
                sandbox.start(port=port).stop()
            except OSError as error:
                outcome["error"] = error

        # In a thread, so that a start() that hangs fails this test instead of freezing it.
        thread = threading.Thread(target=attempt, daemon=True)
        thread.start()
        thread.join(timeout=10)

    assert not thread.is_alive(), "start() hangs on a taken port"
    assert f"cannot start the sandbox on 127.0.0.1:{port}" in str(outcome.get("error"))


# --- Regions: a call for another region than the pool's fails, as at that region's endpoint --------


@pytest.fixture
def regional(aws: Clients, workshop: Workshop) -> Iterator[dict[str, str]]:
    """Ports of their own for the workshop's region and us-west-2, beside the session's sandbox."""
    with sandbox.start(region_ports={REGION: 0, "us-west-2": 0}) as box:
        yield box.region_endpoints


def regional_client(endpoint_url: str, service: str, region: str = REGION) -> Any:
    return boto3.client(service, region_name=region, endpoint_url=endpoint_url, config=NO_RETRIES,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_a_signed_call_for_another_region_does_not_find_the_pool(aws: Clients, workshop: Workshop) -> None:
    identity = boto3.client("cognito-identity", region_name="us-west-2", endpoint_url=aws.endpoint_url,
                            config=NO_RETRIES)

    with raises_aws_error("ResourceNotFoundException", f"IdentityPool '{workshop.identity_pool_id}' not found."):
        identity.describe_identity_pool(IdentityPoolId=workshop.identity_pool_id)


def test_unsigned_calls_on_the_shared_port_find_the_pool_by_its_id(aws: Clients, workshop: Workshop) -> None:
    """The documented limit: nothing in an unsigned call on the shared port names a region."""
    west = boto3.client("cognito-identity", region_name="us-west-2", endpoint_url=aws.endpoint_url, config=NO_RETRIES)

    assert west.get_id(IdentityPoolId=workshop.identity_pool_id, Logins=workshop.logins)["IdentityId"]


def test_on_another_regions_port_unsigned_calls_do_not_find_the_pool(
    workshop: Workshop, regional: dict[str, str]
) -> None:
    identity = regional_client(regional["us-west-2"], "cognito-identity", "us-west-2")
    idp = regional_client(regional["us-west-2"], "cognito-idp", "us-west-2")

    with raises_aws_error("ResourceNotFoundException", f"IdentityPool '{workshop.identity_pool_id}' not found."):
        identity.get_id(IdentityPoolId=workshop.identity_pool_id, Logins=workshop.logins)
    # As AWS says it to a web app configured for the wrong region (e.g. anomalyco/guide#82).
    with raises_aws_error("ResourceNotFoundException", f"User pool client {workshop.app_client_id} does not exist."):
        idp.initiate_auth(ClientId=workshop.app_client_id, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})
    with raises_aws_error("ResourceNotFoundException", f"User pool client {workshop.app_client_id} does not exist."):
        idp.sign_up(ClientId=workshop.app_client_id, Username="bob", Password=PASSWORD)


def test_on_the_pools_regions_port_the_whole_chain_works(workshop: Workshop, regional: dict[str, str]) -> None:
    identity = regional_client(regional[REGION], "cognito-identity")
    idp = regional_client(regional[REGION], "cognito-idp")
    tokens = idp.initiate_auth(ClientId=workshop.app_client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})["AuthenticationResult"]
    logins = {workshop.provider: tokens["IdToken"]}

    identity_id = identity.get_id(IdentityPoolId=workshop.identity_pool_id, Logins=logins)["IdentityId"]

    assert identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]["AccessKeyId"]


def test_a_region_port_refuses_a_request_signed_for_another_region(workshop: Workshop, regional: dict[str, str]) -> None:
    east_signed = regional_client(regional["us-west-2"], "cognito-identity", REGION)

    with raises_aws_error("InvalidSignatureException", f"Credential should be scoped to a valid region, not '{REGION}'.",
                          status=400):
        east_signed.describe_identity_pool(IdentityPoolId=workshop.identity_pool_id)
    # IAM is global: its calls, signed for us-east-1, are served on any region's port.
    assert regional_client(regional["us-west-2"], "iam", "us-east-1").get_role(RoleName=AUTH_ROLE)["Role"]
