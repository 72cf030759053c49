"""The sandbox refuses Cognito Identity requests that break the service model, and pages lists."""

from __future__ import annotations

import re
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from moto import mock_aws

from wildrydes_nb import sandbox as sandbox_module
from wildrydes_nb.aws import new_session, paginate
from wildrydes_nb.identity_pool import find_identity_pools
from wildrydes_nb.sandbox.cognitoidentity.validation import _java_regex, validation_problems

from sandbox_testing import NO_RETRIES, REGION
from sandbox_testing import raises_aws_error as _raises_aws_error


def raises_aws_error(code: str, message: str):
    """Expect a ClientError, HTTP 400, with exactly this code and message."""
    return _raises_aws_error(code, message, status=400)

USER_POOL_ID = "us-east-2_abc"
IDENTITY_POOL_ID = f"{REGION}:0a1b2c3d-0000-4000-8000-000000000000"
PROVIDER = f"cognito-idp.{REGION}.amazonaws.com/{USER_POOL_ID}"
ROLE_ARN = "arn:aws:iam::123456789012:role/Cognito_wildrydes_identity_poolAuth_Role"
ID_PATTERN = r"[\w-]+:[0-9a-f-]+"


def pattern_problem(value: str, at: str, pattern: str = ID_PATTERN) -> str:
    return (
        f"Value '{value}' at '{at}' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {pattern}"
    )


def one_error(problem: str) -> str:
    return f"1 validation error detected: {problem}"


@pytest.fixture
def cognito(sandbox: sandbox_module.Sandbox) -> Any:
    """A Cognito Identity client of the emptied session sandbox, signed, without retries."""
    sandbox.reset()
    return boto3.client(
        "cognito-identity", region_name=REGION, endpoint_url=sandbox.endpoint_url, config=NO_RETRIES
    )


def client_with(sandbox: sandbox_module.Sandbox, **config: Any) -> Any:
    """A Cognito Identity client of the sandbox with these botocore Config settings."""
    return boto3.client(
        "cognito-identity",
        region_name=REGION,
        endpoint_url=sandbox.endpoint_url,
        config=NO_RETRIES.merge(Config(**config)),
    )


def create_pool(cognito: Any, name: str = "wildrydes_identity_pool", **extra: Any) -> str:
    return cognito.create_identity_pool(
        IdentityPoolName=name, AllowUnauthenticatedIdentities=False, **extra
    )["IdentityPoolId"]


# --- identity pool ids --------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation, config",
    [("describe_identity_pool", {}), ("get_id", {"signature_version": UNSIGNED})],
    ids=["describe_identity_pool", "unsigned-get_id"],
)
def test_a_user_pool_id_as_identity_pool_id_is_refused(
    cognito: Any, sandbox: sandbox_module.Sandbox, operation: str, config: dict[str, Any]
) -> None:
    create_pool(cognito)

    with raises_aws_error(
        "ValidationException", one_error(pattern_problem(USER_POOL_ID, "identityPoolId"))
    ):
        getattr(client_with(sandbox, **config), operation)(IdentityPoolId=USER_POOL_ID)


def test_a_quoted_identity_pool_id_is_refused(cognito: Any) -> None:
    quoted = f'"{create_pool(cognito)}"'

    with raises_aws_error(
        "ValidationException", one_error(pattern_problem(quoted, "identityPoolId"))
    ):
        cognito.describe_identity_pool(IdentityPoolId=quoted)


def test_an_empty_identity_pool_id_breaks_two_constraints(
    cognito: Any, sandbox: sandbox_module.Sandbox
) -> None:
    # botocore itself refuses an empty string for a member with a minimum length.
    raw = client_with(sandbox, parameter_validation=False)

    with raises_aws_error(
        "ValidationException",
        "2 validation errors detected: "
        + pattern_problem("", "identityPoolId")
        + "; Value '' at 'identityPoolId' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    ):
        raw.describe_identity_pool(IdentityPoolId="")


@pytest.mark.parametrize(
    "operation, params",
    [
        ("get_credentials_for_identity", {"IdentityId": USER_POOL_ID}),
        ("get_open_id_token", {"IdentityId": USER_POOL_ID}),
    ],
)
def test_unsigned_calls_refuse_a_malformed_identity_id(
    cognito: Any, sandbox: sandbox_module.Sandbox, operation: str, params: dict[str, str]
) -> None:
    unsigned = client_with(sandbox, signature_version=UNSIGNED)

    with raises_aws_error(
        "ValidationException", one_error(pattern_problem(USER_POOL_ID, "identityId"))
    ):
        getattr(unsigned, operation)(**params)


# --- missing members, numbers, names ------------------------------------------------------


def test_a_missing_required_member_must_not_be_null(
    cognito: Any, sandbox: sandbox_module.Sandbox
) -> None:
    raw = client_with(sandbox, parameter_validation=False)

    with raises_aws_error(
        "ValidationException",
        one_error(
            "Value null at 'identityPoolId' failed to satisfy constraint: Member must not be null"
        ),
    ):
        raw.describe_identity_pool()


def test_several_problems_are_reported_together_in_member_order(
    cognito: Any, sandbox: sandbox_module.Sandbox
) -> None:
    raw = client_with(sandbox, parameter_validation=False)

    with raises_aws_error(
        "ValidationException",
        "2 validation errors detected: "
        "Value null at 'identityPoolName' failed to satisfy constraint: Member must not be null; "
        "Value null at 'allowUnauthenticatedIdentities' failed to satisfy constraint: "
        "Member must not be null",
    ):
        raw.create_identity_pool()


@pytest.mark.parametrize(
    "max_results, constraint",
    [
        (0, "Member must have value greater than or equal to 1"),
        (61, "Member must have value less than or equal to 60"),
    ],
)
def test_max_results_must_be_1_to_60(
    cognito: Any, sandbox: sandbox_module.Sandbox, max_results: int, constraint: str
) -> None:
    # botocore itself refuses a number below a member's minimum.
    raw = client_with(sandbox, parameter_validation=False)

    with raises_aws_error(
        "ValidationException",
        one_error(
            f"Value '{max_results}' at 'maxResults' failed to satisfy constraint: {constraint}"
        ),
    ):
        raw.list_identity_pools(MaxResults=max_results)


def test_list_identities_reports_the_pool_id_and_max_results(cognito: Any) -> None:
    with raises_aws_error(
        "ValidationException",
        "2 validation errors detected: "
        + pattern_problem(USER_POOL_ID, "identityPoolId")
        + "; Value '61' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 60",
    ):
        cognito.list_identities(IdentityPoolId=USER_POOL_ID, MaxResults=61)


def test_a_name_of_129_characters_is_refused_and_nothing_is_created(cognito: Any) -> None:
    name = "a" * 129

    with raises_aws_error(
        "ValidationException",
        one_error(
            f"Value '{name}' at 'identityPoolName' failed to satisfy constraint: "
            "Member must have length less than or equal to 128"
        ),
    ):
        create_pool(cognito, name)
    assert cognito.list_identity_pools(MaxResults=60)["IdentityPools"] == []


def test_word_characters_are_ascii_as_in_java(cognito: Any) -> None:
    with raises_aws_error(
        "ValidationException",
        one_error(pattern_problem("wildrydés", "identityPoolName", r"[\w\s+=,.@-]+")),
    ):
        create_pool(cognito, "wildrydés")


# --- nested members -------------------------------------------------------------------------


def test_a_list_item_is_named_by_its_position_from_1(cognito: Any) -> None:
    providers = [
        {"ProviderName": PROVIDER, "ClientId": "good_client"},
        {"ProviderName": PROVIDER, "ClientId": "bad client"},
    ]

    with raises_aws_error(
        "ValidationException",
        one_error(
            pattern_problem(
                "bad client", "cognitoIdentityProviders.2.member.clientId", r"[\w_]+"
            )
        ),
    ):
        create_pool(cognito, CognitoIdentityProviders=providers)


def test_a_bad_roles_key_is_reported_once_for_the_map(cognito: Any) -> None:
    pool_id = create_pool(cognito)

    with raises_aws_error(
        "ValidationException",
        one_error(
            f"Value '{{authenticated={ROLE_ARN}, admin={ROLE_ARN}}}' at 'roles' failed to "
            "satisfy constraint: "
            "Map keys must satisfy constraint: [Member must have length less than or equal to "
            "128, Member must have length greater than or equal to 1, Member must satisfy "
            "regular expression pattern: (un)?authenticated]"
        ),
    ):
        cognito.set_identity_pool_roles(
            IdentityPoolId=pool_id, Roles={"authenticated": ROLE_ARN, "admin": ROLE_ARN}
        )


def test_an_enum_inside_a_map_of_structures(cognito: Any) -> None:
    pool_id = create_pool(cognito)

    with raises_aws_error(
        "ValidationException",
        one_error(
            f"Value 'Claims' at 'roleMappings.{PROVIDER}.member.type' failed to satisfy "
            "constraint: Member must satisfy enum value set: [Token, Rules]"
        ),
    ):
        cognito.set_identity_pool_roles(
            IdentityPoolId=pool_id,
            Roles={"authenticated": ROLE_ARN},
            RoleMappings={PROVIDER: {"Type": "Claims"}},
        )


def test_lengths_count_utf16_units_as_java_does(cognito: Any) -> None:
    # 127 letters and one emoji: 128 characters for Python, 129 for Java.
    value = "a" * 127 + "\N{GRINNING FACE}"
    rule = {"Claim": "groups", "MatchType": "Equals", "Value": value, "RoleARN": ROLE_ARN}

    with raises_aws_error(
        "ValidationException",
        one_error(
            f"Value '{value}' at 'roleMappings.{PROVIDER}.member.rulesConfiguration.rules.1."
            "member.value' failed to satisfy constraint: "
            "Member must have length less than or equal to 128"
        ),
    ):
        cognito.set_identity_pool_roles(
            IdentityPoolId=create_pool(cognito),
            Roles={"authenticated": ROLE_ARN},
            RoleMappings={PROVIDER: {"Type": "Rules", "RulesConfiguration": {"Rules": [rule]}}},
        )


def test_an_empty_login_token_is_refused_without_showing_the_logins(
    cognito: Any, sandbox: sandbox_module.Sandbox
) -> None:
    unsigned = client_with(sandbox, signature_version=UNSIGNED, parameter_validation=False)

    with raises_aws_error(
        "ValidationException",
        one_error(
            "Value at 'logins' failed to satisfy constraint: Map value must satisfy constraint: "
            "[Member must have length less than or equal to 50000, "
            "Member must have length greater than or equal to 1]"
        ),
    ):
        unsigned.get_id(IdentityPoolId=IDENTITY_POOL_ID, Logins={PROVIDER: ""})


def test_in_process_mock_validates_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    sandbox_module.install()
    with mock_aws():
        cognito = boto3.client("cognito-identity", region_name=REGION, config=NO_RETRIES)
        with raises_aws_error(
            "ValidationException", one_error(pattern_problem(USER_POOL_ID, "identityPoolId"))
        ):
            cognito.get_id(IdentityPoolId=USER_POOL_ID)


def test_every_pattern_of_the_model_compiles() -> None:
    model = botocore.session.get_session().get_service_model("cognito-identity")
    patterns = {
        shape["pattern"]
        for shape in model._shape_resolver._shape_map.values()
        if "pattern" in shape
    }

    assert len(patterns) > 5
    for pattern in patterns:
        assert isinstance(_java_regex(pattern), re.Pattern)
    claim = _java_regex(r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+")
    assert claim.fullmatch("groupé:admin") and not claim.fullmatch("group admin")


def test_valid_requests_have_no_problems() -> None:
    model = botocore.session.get_session().get_service_model("cognito-identity")
    params = {
        "IdentityPoolName": "wildrydes_identity_pool",
        "AllowUnauthenticatedIdentities": False,
        "CognitoIdentityProviders": [{"ProviderName": PROVIDER, "ClientId": "4cl1ent"}],
        "IdentityPoolTags": {"course": ""},
    }

    assert validation_problems(model.operation_model("CreateIdentityPool"), params) == []


# --- paging ---------------------------------------------------------------------------------


def test_list_identity_pools_pages_by_max_results(cognito: Any) -> None:
    created = [create_pool(cognito, f"pool_{n}") for n in range(7)]

    pages, token = [], None
    while True:
        page = cognito.list_identity_pools(MaxResults=3, **({"NextToken": token} if token else {}))
        pages.append([p["IdentityPoolId"] for p in page["IdentityPools"]])
        token = page.get("NextToken")
        if not token:
            break

    assert [len(p) for p in pages] == [3, 3, 1]
    assert sum(pages, []) == created
    assert paginate(cognito.list_identity_pools, "IdentityPools", MaxResults=3) == [
        {"IdentityPoolId": pool_id, "IdentityPoolName": f"pool_{n}"}
        for n, pool_id in enumerate(created)
    ]


def test_find_identity_pools_finds_a_pool_on_the_last_page(cognito: Any) -> None:
    for n in range(60):
        create_pool(cognito, f"other_{n}")
    wanted = create_pool(cognito, "wildrydes_identity_pool")

    first_page = cognito.list_identity_pools(MaxResults=60)
    assert wanted not in [p["IdentityPoolId"] for p in first_page["IdentityPools"]]
    assert find_identity_pools(new_session(region_name=REGION), "wildrydes_identity_pool") == [
        wanted
    ]


@pytest.mark.parametrize("token", ["garbage", "eyJ1bmlxdWVBdHRyaWJ1dGVzIjogIngifQ=="])
def test_a_next_token_that_was_never_issued_is_refused(cognito: Any, token: str) -> None:
    create_pool(cognito)

    with raises_aws_error("InvalidParameterException", "Invalid pagination token."):
        cognito.list_identity_pools(MaxResults=3, NextToken=token)


def test_list_identities_pages_and_refuses_a_token_of_another_pool(
    cognito: Any, sandbox: sandbox_module.Sandbox
) -> None:
    pools = [
        cognito.create_identity_pool(
            IdentityPoolName=name, AllowUnauthenticatedIdentities=True
        )["IdentityPoolId"]
        for name in ("first", "second")
    ]
    unsigned = client_with(sandbox, signature_version=UNSIGNED)
    for pool_id in pools:
        for _ in range(3):
            unsigned.get_id(IdentityPoolId=pool_id)

    first = cognito.list_identities(IdentityPoolId=pools[0], MaxResults=2)
    rest = cognito.list_identities(
        IdentityPoolId=pools[0], MaxResults=2, NextToken=first["NextToken"]
    )

    assert (len(first["Identities"]), len(rest["Identities"])) == (2, 1)
    assert "NextToken" not in rest
    with raises_aws_error("InvalidParameterException", "Invalid pagination token."):
        cognito.list_identities(IdentityPoolId=pools[1], MaxResults=2, NextToken=first["NextToken"])
