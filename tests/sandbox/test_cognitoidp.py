"""Tests of the sandbox's user pools: sign-in names, auth flows, SRP that checks the password, deletion protection."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import re
import urllib.request
from typing import Any

import pytest
from moto import mock_aws
from pycognito.aws_srp import (
    AWSSRP,
    N_HEX,
    calculate_u,
    compute_hkdf,
    hex_to_long,
    long_to_hex,
    pad_hex,
)
from pycognito.exceptions import ForceChangePasswordException, SMSMFAChallengeException

from wildrydes_nb import sandbox as wildrydes_sandbox

from sandbox_testing import kept_clients, raises_aws_error


PASSWORD = "Wild-Rydes-1234"
WRONG_PASSWORD = "Wild-Rydes-4321"
USERNAME = "alice|example|com"  # what the web app registers for alice@example.com
EMAIL = "alice@example.com"
WORKSHOP_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
INCORRECT = ("NotAuthorizedException", "Incorrect username or password.")


@pytest.fixture(autouse=True)
def no_endpoint_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The session points AWS_ENDPOINT_URL at its server; in process, boto3 must reach the mock."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def idp_client(endpoint_url: str | None) -> Any:
    """A cognito-idp client for moto at ``endpoint_url`` (None: the in-process mock), kept."""
    return kept_clients(endpoint_url)("cognito-idp")


@pytest.fixture
def idp(sandbox: wildrydes_sandbox.Sandbox) -> Any:
    """A cognito-idp client for the session's sandbox server (tests/conftest.py), emptied first.

    Every behaviour is tested against the server, as the issue asks; the extensions in process
    (``mock_aws``) are shown by the one test at the end of this file.
    """
    sandbox.reset()
    return idp_client(sandbox.endpoint_url)


def add_user(idp: Any, user_pool_id: str, username: str = USERNAME, email_verified: str | None = "true") -> str:
    """A confirmed user with PASSWORD and the email EMAIL; returns the username Cognito gave it."""
    attributes = [{"Name": "email", "Value": EMAIL}]
    if email_verified is not None:
        attributes.append({"Name": "email_verified", "Value": email_verified})
    user = idp.admin_create_user(
        UserPoolId=user_pool_id, Username=username, UserAttributes=attributes, MessageAction="SUPPRESS"
    )["User"]
    idp.admin_set_user_password(
        UserPoolId=user_pool_id, Username=username, Password=PASSWORD, Permanent=True
    )
    return user["Username"]


def create_pool(idp: Any, flows: list[str] | None = WORKSHOP_FLOWS, **settings: Any) -> tuple[str, str]:
    """A user pool (by default the workshop's: username sign-in, email and phone aliases) and client."""
    settings = settings or {"AliasAttributes": ["email", "phone_number"], "AutoVerifiedAttributes": ["email"]}
    user_pool_id = idp.create_user_pool(PoolName="WildRydes", **settings)["UserPool"]["Id"]
    client_kwargs = {"ExplicitAuthFlows": flows} if flows is not None else {}
    app_client_id = idp.create_user_pool_client(
        UserPoolId=user_pool_id, ClientName="wildrydes-web-app", **client_kwargs
    )["UserPoolClient"]["ClientId"]
    return user_pool_id, app_client_id


def srp_sign_in(idp: Any, user_pool_id: str, app_client_id: str, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """Sign in the way pycognito does (USERNAME in the answer: the challenge's USERNAME)."""
    return AWSSRP(
        username=username, password=password, pool_id=user_pool_id, client_id=app_client_id, client=idp
    ).authenticate_user()


def id_token_claims(tokens: dict[str, Any]) -> dict[str, Any]:
    payload = tokens["AuthenticationResult"]["IdToken"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def password_claim(
    user_pool_id: str, challenge: dict[str, str], hkdf: bytes, timestamp: str
) -> str:
    """PASSWORD_CLAIM_SIGNATURE as amazon-cognito-identity-js's CognitoUser.authenticateUser signs it."""
    message = (
        user_pool_id.split("_")[1].encode()
        + challenge["USER_ID_FOR_SRP"].encode()
        + base64.b64decode(challenge["SECRET_BLOCK"])
        + timestamp.encode()
    )
    return base64.b64encode(hmac.new(hkdf, message, hashlib.sha256).digest()).decode()


def js_style_sign_in(idp: Any, user_pool_id: str, app_client_id: str, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """Sign in as amazon-cognito-identity-js (Amplify 5) does: it answers as USER_ID_FOR_SRP.

    It reads SALT and SRP_B as numbers, signs with USER_ID_FOR_SRP as the user id, sends that
    as USERNAME and passes the challenge's Session back.
    """
    client = AWSSRP(username=username, password=password, pool_id=user_pool_id, client_id=app_client_id, client=idp)
    started = idp.initiate_auth(
        ClientId=app_client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=client.get_auth_params()
    )
    challenge = started["ChallengeParameters"]
    hkdf = client.get_password_authentication_key(
        challenge["USER_ID_FOR_SRP"],
        password,
        hex_to_long(challenge["SRP_B"]),
        long_to_hex(hex_to_long(challenge["SALT"])),
    )
    timestamp = AWSSRP.get_cognito_formatted_timestamp(datetime.datetime.now(datetime.timezone.utc))
    return idp.respond_to_auth_challenge(
        ClientId=app_client_id,
        ChallengeName="PASSWORD_VERIFIER",
        Session=started["Session"],
        ChallengeResponses={
            "USERNAME": challenge["USER_ID_FOR_SRP"],
            "PASSWORD_CLAIM_SECRET_BLOCK": challenge["SECRET_BLOCK"],
            "TIMESTAMP": timestamp,
            "PASSWORD_CLAIM_SIGNATURE": password_claim(user_pool_id, challenge, hkdf, timestamp),
        },
    )


# --- ids --------------------------------------------------------------------------------------


def test_ids_are_shaped_as_aws_makes_them(idp: Any) -> None:
    pools = [create_pool(idp) for _ in range(3)]

    for user_pool_id, app_client_id in pools:
        assert re.fullmatch(r"us-east-2_[0-9A-Za-z]{9}", user_pool_id)
        assert re.fullmatch(r"[0-9a-z]{26}", app_client_id)
        described = idp.describe_user_pool(UserPoolId=user_pool_id)["UserPool"]
        assert described["Id"] == user_pool_id and described["Arn"].endswith(f":userpool/{user_pool_id}")
        assert idp.describe_user_pool_client(UserPoolId=user_pool_id, ClientId=app_client_id)[
            "UserPoolClient"]["ClientId"] == app_client_id
    assert len({pool for pool, _ in pools}) == len({client for _, client in pools}) == 3


def test_the_issuer_names_the_aws_shaped_pool_id(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    add_user(idp, user_pool_id)

    claims = id_token_claims(srp_sign_in(idp, user_pool_id, app_client_id, USERNAME))

    assert claims["iss"] == f"https://cognito-idp.us-east-2.amazonaws.com/{user_pool_id}"
    assert claims["aud"] == app_client_id


# --- ID token claims -------------------------------------------------------------------------

ID_TOKEN_CLAIMS = {"sub", "email", "email_verified", "cognito:username", "aud", "event_id", "token_use",
                   "auth_time", "iss", "exp", "iat", "jti", "origin_jti"}


def test_an_id_token_carries_the_claims_aws_puts_in_it(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    add_user(idp, user_pool_id)

    claims = id_token_claims(js_style_sign_in(idp, user_pool_id, app_client_id, USERNAME))

    assert set(claims) == ID_TOKEN_CLAIMS
    assert claims["email"] == EMAIL and claims["email_verified"] is True
    assert claims["token_use"] == "id" and claims["cognito:username"] == USERNAME
    assert re.fullmatch(r"[0-9a-f-]{36}", claims["event_id"]) and claims["origin_jti"] != claims["jti"]


def test_an_id_token_carries_the_phone_number_when_set(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    add_user(idp, user_pool_id, email_verified="false")
    idp.admin_update_user_attributes(UserPoolId=user_pool_id, Username=USERNAME,
                                     UserAttributes=[{"Name": "phone_number", "Value": "+15555550100"}])

    claims = id_token_claims(srp_sign_in(idp, user_pool_id, app_client_id, USERNAME))

    assert set(claims) == ID_TOKEN_CLAIMS | {"phone_number", "phone_number_verified"}
    assert claims["email_verified"] is False and claims["phone_number_verified"] is False


def test_an_id_token_carries_only_what_the_app_client_may_read(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    idp.update_user_pool_client(UserPoolId=user_pool_id, ClientId=app_client_id, ExplicitAuthFlows=WORKSHOP_FLOWS,
                                ReadAttributes=["name"])
    add_user(idp, user_pool_id)

    claims = id_token_claims(srp_sign_in(idp, user_pool_id, app_client_id, USERNAME))

    assert "email" not in claims and "email_verified" not in claims


# --- user existence errors (AWS guide, "Managing user existence error responses") -----------


def hiding_pool(idp: Any, hide: bool = True) -> tuple[str, str]:
    """The workshop's pool, its client hiding user existence as the console makes it (or LEGACY)."""
    user_pool_id, app_client_id = create_pool(idp)
    idp.update_user_pool_client(UserPoolId=user_pool_id, ClientId=app_client_id, ExplicitAuthFlows=WORKSHOP_FLOWS,
                                PreventUserExistenceErrors="ENABLED" if hide else "LEGACY")
    add_user(idp, user_pool_id)
    return user_pool_id, app_client_id


UNKNOWN = ("UserNotFoundException", "Username/client id combination not found.")


@pytest.mark.parametrize("sign_in", [srp_sign_in, js_style_sign_in], ids=["pycognito", "cognito-identity-js"])
def test_a_hiding_client_answers_an_unknown_user_as_a_wrong_password(idp: Any, sign_in: Any) -> None:
    user_pool_id, app_client_id = hiding_pool(idp)

    with raises_aws_error(*INCORRECT):
        sign_in(idp, user_pool_id, app_client_id, "nobody")


def test_a_hiding_client_simulates_the_same_srp_challenge_for_the_same_unknown_name(idp: Any) -> None:
    user_pool_id, app_client_id = hiding_pool(idp)
    client = AWSSRP(username="nobody", password=PASSWORD, pool_id=user_pool_id, client_id=app_client_id, client=idp)

    first, second = (idp.initiate_auth(ClientId=app_client_id, AuthFlow="USER_SRP_AUTH",
                                       AuthParameters=client.get_auth_params())["ChallengeParameters"]
                     for _ in range(2))

    assert first["SALT"] == second["SALT"] and first["USER_ID_FOR_SRP"] == second["USER_ID_FOR_SRP"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first["USER_ID_FOR_SRP"])
    assert first["SRP_B"] != second["SRP_B"]


def test_a_hiding_client_answers_an_unknown_user_of_password_auth_as_a_wrong_password(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp, ["ALLOW_USER_PASSWORD_AUTH"])
    idp.update_user_pool_client(UserPoolId=user_pool_id, ClientId=app_client_id,
                                ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"], PreventUserExistenceErrors="ENABLED")

    with raises_aws_error(*INCORRECT):
        idp.initiate_auth(ClientId=app_client_id, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "nobody", "PASSWORD": PASSWORD})


def test_a_legacy_client_says_the_user_does_not_exist(idp: Any) -> None:
    user_pool_id, app_client_id = hiding_pool(idp, hide=False)

    with raises_aws_error("UserNotFoundException", "User does not exist."):
        js_style_sign_in(idp, user_pool_id, app_client_id, "nobody")


def test_a_hiding_client_pretends_to_send_a_recovery_code_to_an_unknown_user(idp: Any) -> None:
    user_pool_id, app_client_id = hiding_pool(idp)

    answer = idp.forgot_password(ClientId=app_client_id, Username="nobody")

    assert set(answer["CodeDeliveryDetails"]) == {"Destination", "DeliveryMedium", "AttributeName"}


@pytest.mark.parametrize(
    ("call", "hidden"),
    [(lambda idp, client: idp.forgot_password(ClientId=client, Username="nobody"), None),
     (lambda idp, client: idp.confirm_forgot_password(ClientId=client, Username="nobody", ConfirmationCode="123456",
                                                      Password=PASSWORD),
      ("CodeMismatchException", "Invalid verification code provided, please try again.")),
     (lambda idp, client: idp.confirm_sign_up(ClientId=client, Username="nobody", ConfirmationCode="123456"),
      ("ExpiredCodeException", "Invalid code provided, please request a code again."))],
    ids=["forgot-password", "confirm-forgot-password", "confirm-sign-up"],
)
def test_recovery_and_confirmation_for_an_unknown_user(idp: Any, call: Any, hidden: tuple[str, str] | None) -> None:
    _, legacy_client = hiding_pool(idp, hide=False)
    _, hiding_client = hiding_pool(idp)

    with raises_aws_error(*UNKNOWN):
        call(idp, legacy_client)
    if hidden is not None:
        with raises_aws_error(*hidden):
            call(idp, hiding_client)


# --- sign-in names ----------------------------------------------------------------------------


def test_an_alias_pool_refuses_an_email_shaped_username_from_admin_create_user(idp: Any) -> None:
    user_pool_id, _ = create_pool(idp)

    with raises_aws_error(
        "InvalidParameterException",
        "Username cannot be of email format, since user pool is configured for email alias.",
    ):
        idp.admin_create_user(UserPoolId=user_pool_id, Username=EMAIL)


def test_an_alias_pool_refuses_an_email_shaped_username_from_sign_up(idp: Any) -> None:
    _, app_client_id = create_pool(idp)

    with raises_aws_error(
        "InvalidParameterException",
        "Username cannot be of email format, since user pool is configured for email alias.",
    ):
        idp.sign_up(ClientId=app_client_id, Username=EMAIL, Password=PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": EMAIL}])


def test_an_alias_pool_takes_the_web_apps_username(idp: Any) -> None:
    _, app_client_id = create_pool(idp)

    idp.sign_up(ClientId=app_client_id, Username=USERNAME, Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": EMAIL}])


@pytest.mark.parametrize(
    ("username_attributes", "username", "message"),
    [
        (["email"], USERNAME, "Username should be an email."),
        (["phone_number"], EMAIL, "Username should be a phone number."),
        (["email", "phone_number"], USERNAME, "Username should be either an email or a phone number."),
    ],
    ids=["email", "phone", "email-or-phone"],
)
def test_a_username_attributes_pool_refuses_a_username_of_another_kind(
    idp: Any, username_attributes: list[str], username: str, message: str
) -> None:
    user_pool_id, app_client_id = create_pool(idp, UsernameAttributes=username_attributes)

    with raises_aws_error("InvalidParameterException", message):
        idp.admin_create_user(UserPoolId=user_pool_id, Username=username)
    with raises_aws_error("InvalidParameterException", message):
        idp.sign_up(ClientId=app_client_id, Username=username, Password=PASSWORD)


def test_a_user_signs_in_with_srp_by_a_verified_email_alias(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    add_user(idp, user_pool_id)

    tokens = srp_sign_in(idp, user_pool_id, app_client_id, EMAIL)

    assert id_token_claims(tokens)["cognito:username"] == USERNAME


def test_a_user_signs_in_with_password_auth_by_a_verified_email_alias(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp, flows=["ALLOW_USER_PASSWORD_AUTH"])
    add_user(idp, user_pool_id)

    tokens = idp.initiate_auth(ClientId=app_client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": EMAIL, "PASSWORD": PASSWORD})

    assert id_token_claims(tokens)["cognito:username"] == USERNAME


def attributes_of(idp: Any, user_pool_id: str, username: str) -> dict[str, str]:
    user = idp.admin_get_user(UserPoolId=user_pool_id, Username=username)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def codes_sent(idp: Any) -> list[dict[str, Any]]:
    """What the sandbox's outbox holds, read over plain HTTP as `wildrydes-nb sandbox codes` does."""
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            f"{idp.meta.endpoint_url}/wildrydes-sandbox/codes", timeout=30) as answer:
        return json.loads(answer.read())["codes"]


def code_for(idp: Any, username: str) -> str:
    return next(sent["code"] for sent in codes_sent(idp) if sent["username"] == username)


WRONG_CODE = ("CodeMismatchException", "Invalid verification code provided, please try again.")


def test_sign_up_with_an_email_sends_the_code_by_email_to_the_masked_address(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)  # the workshop's: email auto-verified

    answer = idp.sign_up(ClientId=app_client_id, Username=USERNAME, Password=PASSWORD,
                         UserAttributes=[{"Name": "email", "Value": EMAIL}])

    assert answer["UserConfirmed"] is False
    assert answer["CodeDeliveryDetails"] == {"Destination": "a***@e***", "DeliveryMedium": "EMAIL",
                                             "AttributeName": "email"}
    [sent] = codes_sent(idp)
    assert sent["user_pool_id"] == user_pool_id and sent["username"] == USERNAME and sent["sent_to"] == EMAIL
    assert sent["delivery_medium"] == "EMAIL" and re.fullmatch(r"\d{6}", sent["code"])


def test_a_wrong_code_does_not_confirm(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    idp.sign_up(ClientId=app_client_id, Username=USERNAME, Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": EMAIL}])
    wrong = f"{(int(code_for(idp, USERNAME)) + 1) % 1_000_000:06d}"

    with raises_aws_error(*WRONG_CODE):
        idp.confirm_sign_up(ClientId=app_client_id, Username=USERNAME, ConfirmationCode=wrong)

    assert idp.admin_get_user(UserPoolId=user_pool_id, Username=USERNAME)["UserStatus"] == "UNCONFIRMED"
    assert "email_verified" not in attributes_of(idp, user_pool_id, USERNAME)


def test_a_user_who_confirms_sign_up_signs_in_by_the_email_the_code_went_to(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)  # the workshop's: email auto-verified
    idp.sign_up(ClientId=app_client_id, Username=USERNAME, Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": EMAIL}])
    assert "email_verified" not in attributes_of(idp, user_pool_id, USERNAME)

    idp.confirm_sign_up(ClientId=app_client_id, Username=USERNAME, ConfirmationCode=code_for(idp, USERNAME))

    assert attributes_of(idp, user_pool_id, USERNAME)["email_verified"] == "true"
    assert id_token_claims(srp_sign_in(idp, user_pool_id, app_client_id, EMAIL))["cognito:username"] == USERNAME
    assert codes_sent(idp) == []  # a code is used once


def test_a_pool_that_auto_verifies_the_phone_too_sends_the_code_by_sms_and_verifies_that(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(
        idp, AliasAttributes=["email", "phone_number"], AutoVerifiedAttributes=["email", "phone_number"])
    answer = idp.sign_up(ClientId=app_client_id, Username=USERNAME, Password=PASSWORD,
                         UserAttributes=[{"Name": "email", "Value": EMAIL},
                                         {"Name": "phone_number", "Value": "+15555550100"}])
    assert answer["CodeDeliveryDetails"] == {"Destination": "+*******0100", "DeliveryMedium": "SMS",
                                             "AttributeName": "phone_number"}

    idp.confirm_sign_up(ClientId=app_client_id, Username=USERNAME, ConfirmationCode=code_for(idp, USERNAME))

    attributes = attributes_of(idp, user_pool_id, USERNAME)
    assert attributes["phone_number_verified"] == "true" and "email_verified" not in attributes


def test_a_pool_that_verifies_nothing_sends_no_code_and_confirms_none(idp: Any) -> None:
    _, app_client_id = create_pool(idp, AliasAttributes=["email"])

    answer = idp.sign_up(ClientId=app_client_id, Username=USERNAME, Password=PASSWORD,
                         UserAttributes=[{"Name": "email", "Value": EMAIL}])

    assert "CodeDeliveryDetails" not in answer and codes_sent(idp) == []
    with raises_aws_error(*WRONG_CODE):
        idp.confirm_sign_up(ClientId=app_client_id, Username=USERNAME, ConfirmationCode="123456")


@pytest.mark.parametrize("email_verified", [None, "false"], ids=["not-set", "false"])
def test_an_unverified_email_alias_does_not_sign_in(idp: Any, email_verified: str | None) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    add_user(idp, user_pool_id, email_verified=email_verified)

    with raises_aws_error("UserNotFoundException", "User does not exist."):
        srp_sign_in(idp, user_pool_id, app_client_id, EMAIL)


def test_a_preferred_username_alias_signs_in_without_verification(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp, AliasAttributes=["preferred_username"])
    add_user(idp, user_pool_id)
    idp.admin_update_user_attributes(UserPoolId=user_pool_id, Username=USERNAME,
                                     UserAttributes=[{"Name": "preferred_username", "Value": "alice"}])
    idp.admin_create_user(UserPoolId=user_pool_id, Username="bob", MessageAction="SUPPRESS")

    tokens = srp_sign_in(idp, user_pool_id, app_client_id, "alice")

    assert id_token_claims(tokens)["cognito:username"] == USERNAME


@pytest.mark.parametrize(
    ("auth_flow", "auth_parameters", "missing"),
    [
        ("USER_SRP_AUTH", {"SRP_A": "abc"}, "USERNAME"),
        ("USER_SRP_AUTH", {"USERNAME": USERNAME}, "SRP_A"),
        ("USER_PASSWORD_AUTH", {"PASSWORD": PASSWORD}, "USERNAME"),
        ("USER_PASSWORD_AUTH", {"USERNAME": USERNAME}, "PASSWORD"),
    ],
    ids=["srp-username", "srp-a", "password-username", "password"],
)
def test_initiate_auth_without_a_required_parameter_is_refused(
    idp: Any, auth_flow: str, auth_parameters: dict[str, str], missing: str
) -> None:
    user_pool_id, app_client_id = create_pool(idp, flows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH"])
    add_user(idp, user_pool_id)

    with raises_aws_error("InvalidParameterException", f"Missing required parameter {missing}"):
        idp.initiate_auth(ClientId=app_client_id, AuthFlow=auth_flow, AuthParameters=auth_parameters)


# --- SRP ----------------------------------------------------------------------------------------


def test_srp_with_the_right_password_gives_the_users_tokens(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    add_user(idp, user_pool_id)

    tokens = srp_sign_in(idp, user_pool_id, app_client_id, USERNAME)

    claims = id_token_claims(tokens)
    assert (claims["cognito:username"], claims["aud"]) == (USERNAME, app_client_id)
    assert tokens["AuthenticationResult"]["AccessToken"].count(".") == 2


def test_srp_with_a_wrong_password_is_refused(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    add_user(idp, user_pool_id)

    with raises_aws_error(*INCORRECT):
        srp_sign_in(idp, user_pool_id, app_client_id, USERNAME, WRONG_PASSWORD)


def test_the_srp_challenge_names_the_username_as_user_id_for_srp(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    add_user(idp, user_pool_id)
    client = AWSSRP(username=EMAIL, password=PASSWORD, pool_id=user_pool_id, client_id=app_client_id, client=idp)

    started = idp.initiate_auth(ClientId=app_client_id, AuthFlow="USER_SRP_AUTH",
                                AuthParameters=client.get_auth_params())

    challenge = started["ChallengeParameters"]
    assert started["ChallengeName"] == "PASSWORD_VERIFIER"
    assert challenge["USER_ID_FOR_SRP"] == challenge["USERNAME"] == USERNAME
    assert 0 < hex_to_long(challenge["SRP_B"]) < hex_to_long(N_HEX)
    assert re.fullmatch(r"[0-9a-f]+", challenge["SALT"])
    assert base64.b64decode(challenge["SECRET_BLOCK"], validate=True)


def test_user_id_for_srp_is_taken_back_as_username_like_amazon_cognito_identity_js(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    add_user(idp, user_pool_id)

    tokens = js_style_sign_in(idp, user_pool_id, app_client_id, EMAIL)

    assert id_token_claims(tokens)["cognito:username"] == USERNAME


def test_a_claim_signed_with_a_wrong_password_is_refused_like_amazon_cognito_identity_js(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    add_user(idp, user_pool_id)

    with raises_aws_error(*INCORRECT):
        js_style_sign_in(idp, user_pool_id, app_client_id, EMAIL, WRONG_PASSWORD)


def test_an_email_username_pool_gives_the_internal_username_as_user_id_for_srp(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp, UsernameAttributes=["email"])
    internal_username = add_user(idp, user_pool_id, username=EMAIL)
    client = AWSSRP(username=EMAIL, password=PASSWORD, pool_id=user_pool_id, client_id=app_client_id, client=idp)

    challenge = idp.initiate_auth(ClientId=app_client_id, AuthFlow="USER_SRP_AUTH",
                                  AuthParameters=client.get_auth_params())["ChallengeParameters"]

    assert internal_username != EMAIL
    assert challenge["USER_ID_FOR_SRP"] == challenge["USERNAME"] == internal_username
    assert js_style_sign_in(idp, user_pool_id, app_client_id, EMAIL)["AuthenticationResult"]
    assert srp_sign_in(idp, user_pool_id, app_client_id, EMAIL)["AuthenticationResult"]
    with raises_aws_error(*INCORRECT):
        srp_sign_in(idp, user_pool_id, app_client_id, EMAIL, WRONG_PASSWORD)


def pycognito_answer(idp: Any, user_pool_id: str, app_client_id: str) -> dict[str, str]:
    """The ChallengeResponses pycognito sends for USERNAME with the right password."""
    client = AWSSRP(username=USERNAME, password=PASSWORD, pool_id=user_pool_id, client_id=app_client_id, client=idp)
    started = idp.initiate_auth(ClientId=app_client_id, AuthFlow="USER_SRP_AUTH",
                                AuthParameters=client.get_auth_params())
    return client.process_challenge(started["ChallengeParameters"], client.get_auth_params())


def test_a_password_claim_is_answered_once(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    add_user(idp, user_pool_id)
    answer = pycognito_answer(idp, user_pool_id, app_client_id)
    idp.respond_to_auth_challenge(ClientId=app_client_id, ChallengeName="PASSWORD_VERIFIER",
                                  ChallengeResponses=answer)

    with raises_aws_error("NotAuthorizedException", "Invalid session for the user."):
        idp.respond_to_auth_challenge(ClientId=app_client_id, ChallengeName="PASSWORD_VERIFIER",
                                      ChallengeResponses=answer)


def test_a_claim_for_another_user_is_refused(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    add_user(idp, user_pool_id)
    idp.admin_create_user(UserPoolId=user_pool_id, Username="bob", MessageAction="SUPPRESS")
    answer = pycognito_answer(idp, user_pool_id, app_client_id)

    with raises_aws_error(*INCORRECT):
        idp.respond_to_auth_challenge(ClientId=app_client_id, ChallengeName="PASSWORD_VERIFIER",
                                      ChallengeResponses={**answer, "USERNAME": "bob"})


def test_an_srp_a_of_zero_modulo_n_proves_nothing(idp: Any) -> None:
    """With A = N the shared secret is 0 for any password; the claim must still be refused."""
    user_pool_id, app_client_id = create_pool(idp)
    add_user(idp, user_pool_id)
    big_a = hex_to_long(N_HEX)
    started = idp.initiate_auth(ClientId=app_client_id, AuthFlow="USER_SRP_AUTH",
                                AuthParameters={"USERNAME": USERNAME, "SRP_A": long_to_hex(big_a)})
    challenge = started["ChallengeParameters"]
    u = calculate_u(big_a, hex_to_long(challenge["SRP_B"]))
    forged_key = compute_hkdf(bytes.fromhex(pad_hex(0)), bytes.fromhex(pad_hex(long_to_hex(u))))
    timestamp = AWSSRP.get_cognito_formatted_timestamp(datetime.datetime.now(datetime.timezone.utc))

    with raises_aws_error(*INCORRECT):
        idp.respond_to_auth_challenge(
            ClientId=app_client_id, ChallengeName="PASSWORD_VERIFIER", Session=started["Session"],
            ChallengeResponses={
                "USERNAME": USERNAME, "PASSWORD_CLAIM_SECRET_BLOCK": challenge["SECRET_BLOCK"],
                "TIMESTAMP": timestamp,
                "PASSWORD_CLAIM_SIGNATURE": password_claim(user_pool_id, challenge, forged_key, timestamp),
            },
        )


def test_a_user_who_must_change_the_password_is_asked_only_after_the_right_one(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    idp.admin_create_user(UserPoolId=user_pool_id, Username=USERNAME, TemporaryPassword=PASSWORD,
                          MessageAction="SUPPRESS")

    with raises_aws_error(*INCORRECT):
        srp_sign_in(idp, user_pool_id, app_client_id, USERNAME, WRONG_PASSWORD)
    with pytest.raises(ForceChangePasswordException):
        srp_sign_in(idp, user_pool_id, app_client_id, USERNAME)
    changed = AWSSRP(username=USERNAME, password=PASSWORD, pool_id=user_pool_id, client_id=app_client_id,
                     client=idp).set_new_password_challenge("New-Wild-Rydes-1234")
    assert changed["AuthenticationResult"]["IdToken"]
    assert srp_sign_in(idp, user_pool_id, app_client_id, USERNAME, "New-Wild-Rydes-1234")["AuthenticationResult"]


def test_an_mfa_challenge_follows_only_the_right_password(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    add_user(idp, user_pool_id)
    idp.admin_set_user_mfa_preference(UserPoolId=user_pool_id, Username=USERNAME,
                                      SMSMfaSettings={"Enabled": True, "PreferredMfa": True})

    with raises_aws_error(*INCORRECT):
        srp_sign_in(idp, user_pool_id, app_client_id, USERNAME, WRONG_PASSWORD)
    with pytest.raises(SMSMFAChallengeException) as challenged:
        srp_sign_in(idp, user_pool_id, app_client_id, USERNAME)
    assert challenged.value.get_tokens()["ChallengeName"] == "SMS_MFA"


# --- the app client's auth flows ------------------------------------------------------------------


@pytest.mark.parametrize(
    "flows",
    [["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], ["ALLOW_CUSTOM_AUTH"], ["CUSTOM_AUTH_FLOW_ONLY"]],
    ids=["password-only", "custom-only", "legacy-custom-only"],
)
def test_user_srp_auth_is_refused_unless_the_app_client_allows_it(idp: Any, flows: list[str]) -> None:
    user_pool_id, app_client_id = create_pool(idp, flows=flows)
    add_user(idp, user_pool_id)

    with raises_aws_error("InvalidParameterException", "USER_SRP_AUTH flow not enabled for this client"):
        srp_sign_in(idp, user_pool_id, app_client_id, USERNAME)


@pytest.mark.parametrize(
    "flows",
    [None, WORKSHOP_FLOWS, ["ADMIN_NO_SRP_AUTH"]],
    ids=["flows-not-set", "workshop", "legacy-flags"],
)
def test_user_srp_auth_works_when_the_app_client_allows_it(idp: Any, flows: list[str] | None) -> None:
    user_pool_id, app_client_id = create_pool(idp, flows=flows)
    add_user(idp, user_pool_id)

    assert srp_sign_in(idp, user_pool_id, app_client_id, USERNAME)["AuthenticationResult"]


# --- deletion protection --------------------------------------------------------------------------


def test_a_protected_user_pool_is_deleted_only_once_protection_is_off(idp: Any) -> None:
    user_pool_id, _ = create_pool(idp, AliasAttributes=["email"], DeletionProtection="ACTIVE")
    assert idp.describe_user_pool(UserPoolId=user_pool_id)["UserPool"]["DeletionProtection"] == "ACTIVE"

    with raises_aws_error(
        "InvalidParameterException",
        "The user pool cannot be deleted because deletion protection is activated. "
        "Deletion protection must be inactivated first.",
    ):
        idp.delete_user_pool(UserPoolId=user_pool_id)
    idp.update_user_pool(UserPoolId=user_pool_id, DeletionProtection="INACTIVE")
    assert idp.describe_user_pool(UserPoolId=user_pool_id)["UserPool"]["DeletionProtection"] == "INACTIVE"
    idp.delete_user_pool(UserPoolId=user_pool_id)

    with raises_aws_error("ResourceNotFoundException", f"User pool {user_pool_id} does not exist."):
        idp.describe_user_pool(UserPoolId=user_pool_id)


def test_deletion_protection_is_inactive_unless_asked_for(idp: Any) -> None:
    user_pool_id, _ = create_pool(idp)

    assert idp.describe_user_pool(UserPoolId=user_pool_id)["UserPool"]["DeletionProtection"] == "INACTIVE"
    idp.delete_user_pool(UserPoolId=user_pool_id)


def test_update_user_pool_without_deletion_protection_resets_it(idp: Any) -> None:
    """UpdateUserPool sets every setting it is not given to its default, this one too."""
    user_pool_id, _ = create_pool(idp, AliasAttributes=["email"], DeletionProtection="ACTIVE")

    idp.update_user_pool(UserPoolId=user_pool_id, AutoVerifiedAttributes=["email"])

    assert idp.describe_user_pool(UserPoolId=user_pool_id)["UserPool"]["DeletionProtection"] == "INACTIVE"


# --- In process ---------------------------------------------------------------------------------


def test_in_process_too_the_workshop_pool_takes_its_usernames_and_checks_the_srp_password() -> None:
    """The same extensions under ``moto.mock_aws()`` once `sandbox.install()` has run."""
    wildrydes_sandbox.install()
    with mock_aws():
        idp = idp_client(None)
        user_pool_id, app_client_id = create_pool(idp)
        with raises_aws_error(
            "InvalidParameterException",
            "Username cannot be of email format, since user pool is configured for email alias.",
        ):
            idp.admin_create_user(UserPoolId=user_pool_id, Username=EMAIL, MessageAction="SUPPRESS")
        add_user(idp, user_pool_id)
        with raises_aws_error(*INCORRECT):
            srp_sign_in(idp, user_pool_id, app_client_id, USERNAME, WRONG_PASSWORD)
        assert id_token_claims(srp_sign_in(idp, user_pool_id, app_client_id, EMAIL))["cognito:username"] == USERNAME


# --- ResendConfirmationCode, and confirming twice ----------------------------------------------------


def test_resend_confirmation_code_replaces_the_code(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp)
    idp.sign_up(ClientId=app_client_id, Username=USERNAME, Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": EMAIL}])
    first = code_for(idp, USERNAME)

    answer = idp.resend_confirmation_code(ClientId=app_client_id, Username=USERNAME)

    assert answer["CodeDeliveryDetails"] == {"Destination": "a***@e***", "DeliveryMedium": "EMAIL",
                                             "AttributeName": "email"}
    [sent] = codes_sent(idp)
    if sent["code"] != first:  # one chance in a million that the new code is the old one
        with raises_aws_error(*WRONG_CODE):
            idp.confirm_sign_up(ClientId=app_client_id, Username=USERNAME, ConfirmationCode=first)
    idp.confirm_sign_up(ClientId=app_client_id, Username=USERNAME, ConfirmationCode=sent["code"])
    with raises_aws_error("InvalidParameterException", "User is already confirmed."):
        idp.resend_confirmation_code(ClientId=app_client_id, Username=USERNAME)
    with raises_aws_error("NotAuthorizedException", "User cannot confirm because user status is not UNCONFIRMED."):
        idp.confirm_sign_up(ClientId=app_client_id, Username=USERNAME, ConfirmationCode=sent["code"])


def test_resend_confirmation_code_for_an_unknown_user(idp: Any) -> None:
    _, legacy_client = hiding_pool(idp, hide=False)
    _, hiding_client = hiding_pool(idp)

    with raises_aws_error(*UNKNOWN):
        idp.resend_confirmation_code(ClientId=legacy_client, Username="nobody")
    details = idp.resend_confirmation_code(ClientId=hiding_client, Username="nobody")["CodeDeliveryDetails"]
    assert details["DeliveryMedium"] == "EMAIL" and codes_sent(idp) == []


def test_a_hiding_client_answers_admin_sign_in_of_an_unknown_user_as_a_wrong_password(idp: Any) -> None:
    user_pool_id, app_client_id = create_pool(idp, ["ALLOW_ADMIN_USER_PASSWORD_AUTH"])
    idp.update_user_pool_client(UserPoolId=user_pool_id, ClientId=app_client_id,
                                ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"], PreventUserExistenceErrors="ENABLED")

    with raises_aws_error(*INCORRECT):
        idp.admin_initiate_auth(UserPoolId=user_pool_id, ClientId=app_client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                AuthParameters={"USERNAME": "nobody", "PASSWORD": PASSWORD})
