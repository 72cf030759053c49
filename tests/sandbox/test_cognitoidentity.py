"""Tests of the sandbox server's identity side: IAM delay, pool updates, classic flow and STS, role mappings."""

from __future__ import annotations

import base64
import json
import time
from typing import Any, Iterator

import pytest
from joserfc import jwk, jwt

from wildrydes_nb import sandbox as wildrydes_sandbox
from wildrydes_nb.sandbox.cognitoidentity.models import MOTO_USER_POOL_KEYS, open_id_token_keys
from wildrydes_nb.sandbox.iam import models as iam_models

from sandbox_testing import forged as forged_with_another_key
from sandbox_testing import (ACCOUNT_ID, AUTH_ROLE, POOL_NAME, REGION, add_user, build_workshop, create_role,
                             raises_aws_error, sign_in, trust_policy, with_claims, Workshop)


NOT_CONFIGURED = (
    "InvalidIdentityPoolConfigurationException",
    "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
)
STS_ACCESS_DENIED = ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
INVALID_IDENTITY_TOKEN = (
    "InvalidIdentityToken",
    "The web identity token that was passed could not be validated by Amazon Web Services. "
    "Get a new identity token from the identity provider and then retry the request.",
)
CLASSIC_FLOW_OFF = (
    "InvalidParameterException",
    "Basic (classic) flow is not enabled, please use enhanced flow.",
)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The IAM delay's clock, frozen at the real one's time; add to `clock[0]` to let time pass."""
    now = [time.monotonic()]
    monkeypatch.setattr(iam_models, "clock", lambda: now[0])
    return now


@pytest.fixture
def iam_delay(sandbox: wildrydes_sandbox.Sandbox, clock: list[float]) -> Iterator[float]:
    """An IAM delay of 2 s for this test, on the frozen clock."""
    previous = sandbox.iam_delay
    sandbox.iam_delay = 2
    yield 2
    sandbox.iam_delay = previous


def identity_of(aws: Any, workshop: Workshop, logins: dict[str, str] | None = None) -> str:
    return aws("cognito-identity").get_id(
        IdentityPoolId=workshop.identity_pool_id, Logins=logins or workshop.logins
    )["IdentityId"]


def credentials(aws: Any, workshop: Workshop, **kwargs: Any) -> dict[str, Any]:
    """GetCredentialsForIdentity for alice."""
    return aws("cognito-identity").get_credentials_for_identity(
        IdentityId=identity_of(aws, workshop), Logins=workshop.logins, **kwargs
    )["Credentials"]


def caller_role(aws: Any, creds: dict[str, Any]) -> str:
    """The role name in the assumed-role ARN STS reports for these credentials."""
    arn = aws(
        "sts",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds.get("SecretKey") or creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    ).get_caller_identity()["Arn"]
    return arn.split("/")[1]


# --- IAM delay -------------------------------------------------------------------------------


def test_a_new_role_gives_no_credentials_until_the_iam_delay_has_passed(
    aws: Any, iam_delay: float, clock: list[float]
) -> None:
    workshop = build_workshop(aws)

    with raises_aws_error(NOT_CONFIGURED):
        credentials(aws, workshop)

    clock[0] += 1.9
    with raises_aws_error(NOT_CONFIGURED):
        credentials(aws, workshop)

    clock[0] += 0.1
    assert caller_role(aws, credentials(aws, workshop)) == AUTH_ROLE


def test_a_changed_trust_gives_no_credentials_until_the_iam_delay_has_passed(
    aws: Any, workshop: Workshop, iam_delay: float, clock: list[float]
) -> None:
    clock[0] += 10
    assert caller_role(aws, credentials(aws, workshop)) == AUTH_ROLE

    aws("iam").update_assume_role_policy(
        RoleName=AUTH_ROLE, PolicyDocument=trust_policy(workshop.identity_pool_id)
    )

    with raises_aws_error(NOT_CONFIGURED):
        credentials(aws, workshop)
    clock[0] += 2
    assert caller_role(aws, credentials(aws, workshop)) == AUTH_ROLE


def test_sts_refuses_a_role_within_the_iam_delay(aws: Any, iam_delay: float, clock: list[float]) -> None:
    workshop = build_workshop(aws, AllowClassicFlow=True)
    token = open_id_token(aws, workshop)
    sts = aws("sts")

    with raises_aws_error(STS_ACCESS_DENIED, status=403):
        assume_role(sts, workshop.auth_role_arn, token)

    clock[0] += 2
    assert assume_role(sts, workshop.auth_role_arn, token)["AssumedRoleUser"]["Arn"].endswith(
        f":assumed-role/{AUTH_ROLE}/classic"
    )


def test_without_an_iam_delay_a_new_role_is_usable_at_once(aws: Any, sandbox: Any) -> None:
    assert sandbox.iam_delay == 0
    workshop = build_workshop(aws)

    assert caller_role(aws, credentials(aws, workshop)) == AUTH_ROLE


def test_reset_forgets_when_roles_changed(aws: Any, sandbox: Any, iam_delay: float) -> None:
    from moto.iam.models import iam_backends

    create_role(aws, AUTH_ROLE, trust_policy(f"{REGION}:00000000-0000-0000-0000-000000000000"))
    assert len(iam_backends[ACCOUNT_ID]["aws"].role_changes) == 1

    sandbox.reset()

    assert iam_backends[ACCOUNT_ID]["aws"].role_changes == {}


def test_set_iam_delay_returns_the_previous_delay_and_refuses_a_negative_one(sandbox: Any) -> None:
    previous = wildrydes_sandbox.set_iam_delay(3)
    try:
        assert wildrydes_sandbox.set_iam_delay(1.5) == 3
        assert wildrydes_sandbox.get_iam_delay() == sandbox.iam_delay == 1.5
        with pytest.raises(ValueError, match="0 or more seconds"):
            wildrydes_sandbox.set_iam_delay(-1)
        with pytest.raises(ValueError, match="0 or more seconds"):
            sandbox.iam_delay = float("nan")
        assert sandbox.iam_delay == 1.5
    finally:
        wildrydes_sandbox.set_iam_delay(previous)


def test_start_sets_the_iam_delay(sandbox: Any) -> None:
    previous = sandbox.iam_delay
    try:
        with wildrydes_sandbox.start(iam_delay=4) as other:
            # Process-wide, like moto's state: every sandbox of this process shares it.
            assert other.iam_delay == sandbox.iam_delay == 4
    finally:
        sandbox.iam_delay = previous


# --- UpdateIdentityPool, AllowClassicFlow -----------------------------------------------------


def test_update_identity_pool_resets_what_it_is_not_given(aws: Any, workshop: Workshop) -> None:
    cognito = aws("cognito-identity")
    cognito.update_identity_pool(
        IdentityPoolId=workshop.identity_pool_id,
        IdentityPoolName=POOL_NAME,
        AllowUnauthenticatedIdentities=False,
        AllowClassicFlow=True,
        CognitoIdentityProviders=[{"ProviderName": workshop.provider, "ClientId": workshop.app_client_id}],
        SupportedLoginProviders={"graph.facebook.com": "1234567890"},
        DeveloperProviderName="login.wildrydes",
        IdentityPoolTags={"workshop": "wildrydes"},
    )

    answer = cognito.update_identity_pool(
        IdentityPoolId=workshop.identity_pool_id,
        IdentityPoolName=POOL_NAME,
        AllowUnauthenticatedIdentities=True,
    )

    described = cognito.describe_identity_pool(IdentityPoolId=workshop.identity_pool_id)
    for pool in (answer, described):
        assert pool["AllowUnauthenticatedIdentities"] is True
        assert pool["AllowClassicFlow"] is False
        assert not pool.get("CognitoIdentityProviders")
        assert not pool.get("SupportedLoginProviders")
        assert not pool.get("DeveloperProviderName")
        assert not pool.get("IdentityPoolTags")


def test_allow_classic_flow_is_stored_and_returned(aws: Any) -> None:
    cognito = aws("cognito-identity")
    created = cognito.create_identity_pool(
        IdentityPoolName=POOL_NAME, AllowUnauthenticatedIdentities=False, AllowClassicFlow=True
    )
    pool_id = created["IdentityPoolId"]
    assert created["AllowClassicFlow"] is True
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["AllowClassicFlow"] is True

    updated = cognito.update_identity_pool(
        IdentityPoolId=pool_id, IdentityPoolName=POOL_NAME, AllowUnauthenticatedIdentities=False,
        AllowClassicFlow=False,
    )

    assert updated["AllowClassicFlow"] is False
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["AllowClassicFlow"] is False
    other = cognito.create_identity_pool(IdentityPoolName=POOL_NAME, AllowUnauthenticatedIdentities=False)
    assert other["AllowClassicFlow"] is False


# --- GetOpenIdToken and STS AssumeRoleWithWebIdentity ----------------------------------------


def open_id_token(aws: Any, workshop: Workshop) -> str:
    return aws("cognito-identity").get_open_id_token(
        IdentityId=identity_of(aws, workshop), Logins=workshop.logins
    )["Token"]


def assume_role(sts: Any, role_arn: str, token: str) -> dict[str, Any]:
    return sts.assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="classic", WebIdentityToken=token
    )


@pytest.fixture
def classic(aws: Any) -> Workshop:
    return build_workshop(aws, AllowClassicFlow=True)


def test_get_open_id_token_is_refused_when_the_classic_flow_is_off(
    aws: Any, workshop: Workshop
) -> None:
    with raises_aws_error(CLASSIC_FLOW_OFF):
        open_id_token(aws, workshop)


def test_get_open_id_token_gives_a_signed_token_for_the_identity(aws: Any, classic: Workshop) -> None:
    identity_id = identity_of(aws, classic)
    answer = aws("cognito-identity").get_open_id_token(IdentityId=identity_id, Logins=classic.logins)

    claims = jwt.decode(answer["Token"], open_id_token_keys(), algorithms=["RS256"]).claims
    sub = jwt.decode(classic.id_token, MOTO_USER_POOL_KEYS).claims["sub"]
    assert answer["IdentityId"] == identity_id
    assert claims["iss"] == "https://cognito-identity.amazonaws.com"
    assert claims["aud"] == classic.identity_pool_id
    assert claims["sub"] == identity_id
    assert claims["amr"] == ["authenticated", classic.provider, f"{classic.provider}:CognitoSignIn:{sub}"]
    assert 0 < claims["exp"] - time.time() <= 600


def test_get_open_id_token_checks_the_logins(aws: Any, classic: Workshop) -> None:
    identity_id = identity_of(aws, classic)
    add_user(aws, classic.user_pool_id, "bob")
    cognito = aws("cognito-identity")

    with raises_aws_error(
        ("NotAuthorizedException", "Unauthenticated access is not supported for this identity pool.")
    ):
        cognito.get_open_id_token(IdentityId=identity_id)
    with raises_aws_error(
        (
            "NotAuthorizedException",
            "Logins don't match. Please include at least one valid login for this identity or "
            "identity pool.",
        )
    ):
        cognito.get_open_id_token(
            IdentityId=identity_id,
            Logins={classic.provider: sign_in(aws, classic.app_client_id, "bob")["AuthenticationResult"]["IdToken"]},
        )


def test_sts_gives_credentials_for_a_token_the_role_trusts(aws: Any, classic: Workshop) -> None:
    answer = assume_role(aws("sts"), classic.auth_role_arn, open_id_token(aws, classic))

    assert caller_role(aws, answer["Credentials"]) == AUTH_ROLE


def forged(token: str) -> str:
    """The same claims, signed with a key that is not the sandbox's."""
    return forged_with_another_key(token, open_id_token_keys())


def tampered(token: str) -> str:
    """The sandbox's signature over another pool's `aud`."""
    return with_claims(token, aud=f"{REGION}:00000000-0000-0000-0000-000000000000")


@pytest.mark.parametrize(
    "spoil", [lambda token: "not-a-jwt", forged, tampered], ids=["garbage", "forged", "tampered"]
)
def test_sts_refuses_a_token_it_cannot_verify(aws: Any, classic: Workshop, spoil: Any) -> None:
    token = spoil(open_id_token(aws, classic))

    with raises_aws_error(INVALID_IDENTITY_TOKEN, status=400):
        assume_role(aws("sts"), classic.auth_role_arn, token)


def test_sts_refuses_an_expired_token(aws: Any, classic: Workshop) -> None:
    from wildrydes_nb.sandbox.cognitoidentity.models import _signing_key

    claims = jwt.decode(open_id_token(aws, classic), open_id_token_keys()).claims
    claims["exp"] = int(time.time()) - 1
    expired = jwt.encode({"alg": "RS256", "kid": _signing_key().kid}, claims, _signing_key())

    with raises_aws_error(
        (
            "ExpiredTokenException",
            "The web identity token that was passed is expired or is not valid. Get a new "
            "identity token from the identity provider and then retry the request.",
        ),
        status=400,
    ):
        assume_role(aws("sts"), classic.auth_role_arn, expired)


@pytest.mark.parametrize(
    "trust",
    [
        lambda pool_id: trust_policy(f"{REGION}:22222222-2222-2222-2222-222222222222"),
        lambda pool_id: trust_policy(pool_id, amr="unauthenticated"),
    ],
    ids=["trust-for-another-pool", "trust-for-guests"],
)
def test_sts_refuses_a_role_whose_trust_does_not_admit_the_token(
    aws: Any, classic: Workshop, trust: Any
) -> None:
    role_arn = create_role(aws, "Other_Role", trust(classic.identity_pool_id))

    with raises_aws_error(STS_ACCESS_DENIED, status=403):
        assume_role(aws("sts"), role_arn, open_id_token(aws, classic))


def unsigned(token: str) -> str:
    """The same claims under an `alg: none` header, with no signature."""
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    return f"{header}.{token.split('.')[1]}."


def test_sts_refuses_an_unsigned_token_in_the_name_of_cognito_identity(aws: Any, classic: Workshop) -> None:
    token = unsigned(open_id_token(aws, classic))

    with raises_aws_error(INVALID_IDENTITY_TOKEN, status=400):
        assume_role(aws("sts"), classic.auth_role_arn, token)


def no_provider_for(issuer: str) -> tuple[str, str]:
    return ("InvalidIdentityToken", f"No OpenIDConnect provider found in your account for {issuer}")


def other_issuer_token(issuer: str, **claims: Any) -> str:
    return unsigned(jwt.encode({"alg": "RS256"}, {"iss": issuer, "sub": "1", "exp": int(time.time()) + 60, **claims},
                               jwk.RSAKey.generate_key(2048)))


def test_sts_refuses_a_user_pool_id_token_on_the_cognito_role(aws: Any, classic: Workshop) -> None:
    """STS trusts Cognito Identity's own tokens for this role; an ID token is the user pool's."""
    issuer = jwt.decode(classic.id_token, MOTO_USER_POOL_KEYS).claims["iss"]

    with raises_aws_error(no_provider_for(issuer), status=400):
        assume_role(aws("sts"), classic.auth_role_arn, classic.id_token)


@pytest.mark.parametrize("issuer", ["https://evil.example", "https://accounts.google.com", "<a&b>"])
def test_sts_refuses_a_token_of_an_issuer_the_account_has_no_provider_for(
    aws: Any, classic: Workshop, issuer: str
) -> None:
    token = other_issuer_token(issuer, aud=classic.identity_pool_id, amr=["authenticated"])

    with raises_aws_error(no_provider_for(issuer), status=400):
        assume_role(aws("sts"), classic.auth_role_arn, token)


def test_sts_refuses_what_it_cannot_verify_for_a_provider_of_the_account(aws: Any) -> None:
    """The sandbox cannot fetch another issuer's keys: it refuses rather than trust the token."""
    provider_arn = aws("iam").create_open_id_connect_provider(
        Url="https://accounts.google.com", ClientIDList=["app"], ThumbprintList=["a" * 40])["OpenIDConnectProviderArn"]
    role_arn = create_role(aws, "Google_Role", json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider_arn}, "Action": "sts:AssumeRoleWithWebIdentity"}]}))

    with raises_aws_error(INVALID_IDENTITY_TOKEN, status=400):
        assume_role(aws("sts"), role_arn, other_issuer_token("https://accounts.google.com", aud="app"))


# --- RoleMappings ------------------------------------------------------------------------------


def set_mapping(aws: Any, workshop: Workshop, mapping: dict[str, Any], key: str | None = None) -> None:
    aws("cognito-identity").set_identity_pool_roles(
        IdentityPoolId=workshop.identity_pool_id,
        Roles={"authenticated": workshop.auth_role_arn},
        RoleMappings={key or workshop.mapping_key: mapping},
    )


def rules(*rules: dict[str, str], resolution: str = "Deny") -> dict[str, Any]:
    return {
        "Type": "Rules",
        "AmbiguousRoleResolution": resolution,
        "RulesConfiguration": {"Rules": list(rules)},
    }


def rule(role_arn: str, value: str = "alice", match: str = "Equals", claim: str = "cognito:username") -> dict[str, str]:
    return {"Claim": claim, "MatchType": match, "Value": value, "RoleARN": role_arn}


def invalid_parameter(message: str) -> tuple[str, str]:
    return ("InvalidParameterException", message)


@pytest.mark.parametrize(
    "key",
    ["{provider}", "{provider}:other-client", "graph.facebook.com"],
    ids=["without-client", "another-client", "unconfigured-provider"],
)
def test_a_role_mapping_must_name_a_configured_provider(aws: Any, workshop: Workshop, key: str) -> None:
    key = key.format(provider=workshop.provider)

    with raises_aws_error(
        invalid_parameter(f"{key} is not a valid RoleMapping ProviderName or is not a configured provider.")
    ):
        set_mapping(aws, workshop, {"Type": "Token", "AmbiguousRoleResolution": "Deny"}, key=key)


def test_a_role_mapping_needs_an_ambiguous_role_resolution(aws: Any, workshop: Workshop) -> None:
    with raises_aws_error(
        invalid_parameter("AmbiguousRoleResolution is required when the RoleMapping Type is Token or Rules.")
    ):
        set_mapping(aws, workshop, {"Type": "Token"})


def test_a_rules_mapping_needs_rules(aws: Any, workshop: Workshop) -> None:
    with raises_aws_error(
        invalid_parameter("RulesConfiguration is required when the RoleMapping Type is Rules.")
    ):
        set_mapping(aws, workshop, {"Type": "Rules", "AmbiguousRoleResolution": "Deny"})


def test_a_rule_needs_a_role_arn(aws: Any, workshop: Workshop) -> None:
    with raises_aws_error(("NotAuthorizedException", f"Access to Role '{AUTH_ROLE}' is forbidden.")):
        set_mapping(aws, workshop, rules(rule(AUTH_ROLE)))


def mapped_role(aws: Any, workshop: Workshop, name: str = "Mapped_Role") -> str:
    return create_role(aws, name, trust_policy(workshop.identity_pool_id))


@pytest.mark.parametrize(
    ("match", "value"),
    [("Equals", "alice"), ("Contains", "lic"), ("StartsWith", "al"), ("NotEqual", "bob")],
)
def test_the_first_matching_rule_chooses_the_role(
    aws: Any, workshop: Workshop, match: str, value: str
) -> None:
    role_arn = mapped_role(aws, workshop)
    unused = mapped_role(aws, workshop, "Unused_Role")
    set_mapping(
        aws, workshop, rules(rule(unused, value="bob"), rule(role_arn, value, match), rule(unused, "alice"))
    )

    assert caller_role(aws, credentials(aws, workshop)) == "Mapped_Role"


def test_no_matching_rule_with_authenticated_role_resolution_uses_the_default_role(
    aws: Any, workshop: Workshop
) -> None:
    set_mapping(aws, workshop, rules(rule(mapped_role(aws, workshop), "bob"), resolution="AuthenticatedRole"))

    assert caller_role(aws, credentials(aws, workshop)) == AUTH_ROLE


@pytest.mark.parametrize(
    "mapping",
    [
        {"Type": "Token", "AmbiguousRoleResolution": "Deny"},
        rules(rule(f"arn:aws:iam::{ACCOUNT_ID}:role/Mapped_Role", "bob")),
    ],
    ids=["token-without-role-claims", "no-rule-matches"],
)
def test_an_ambiguous_mapping_with_deny_resolution_is_refused(
    aws: Any, workshop: Workshop, mapping: dict[str, Any]
) -> None:
    set_mapping(aws, workshop, mapping)

    with raises_aws_error(
        (
            "NotAuthorizedException",
            f"The ambiguous role mapping rules for: {workshop.mapping_key} denied this request.",
        )
    ):
        credentials(aws, workshop)


def test_a_mapped_role_whose_trust_does_not_admit_the_pool_is_refused(
    aws: Any, workshop: Workshop
) -> None:
    other_pool = f"{REGION}:22222222-2222-2222-2222-222222222222"
    set_mapping(aws, workshop, rules(rule(create_role(aws, "Mapped_Role", trust_policy(other_pool)))))

    with raises_aws_error(NOT_CONFIGURED):
        credentials(aws, workshop)


def token_with_roles(workshop: Workshop, **claims: Any) -> str:
    """An ID token for alice carrying the role claims a user pool gives a member of groups."""
    from moto.cognitoidp.models import cognitoidp_backends

    user_pool = cognitoidp_backends[ACCOUNT_ID][REGION].user_pools[workshop.user_pool_id]
    return user_pool.create_jwt(workshop.app_client_id, "alice", "id", extra_data=claims)[0]


def test_a_token_mapping_uses_the_preferred_role_or_an_allowed_custom_role(
    aws: Any, workshop: Workshop
) -> None:
    preferred, other = mapped_role(aws, workshop, "Preferred_Role"), mapped_role(aws, workshop, "Other_Role")
    set_mapping(aws, workshop, {"Type": "Token", "AmbiguousRoleResolution": "Deny"})
    workshop.id_token = token_with_roles(
        workshop, **{"cognito:preferred_role": preferred, "cognito:roles": [preferred, other]}
    )

    assert caller_role(aws, credentials(aws, workshop)) == "Preferred_Role"
    assert caller_role(aws, credentials(aws, workshop, CustomRoleArn=other)) == "Other_Role"
    # A role the token does not name is not the user's to choose.
    assert caller_role(aws, credentials(aws, workshop, CustomRoleArn=workshop.auth_role_arn)) == (
        "Preferred_Role"
    )
