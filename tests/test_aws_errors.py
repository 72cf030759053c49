"""What a real account answers, made clear: Cloud9's credentials and IAM, quotas, expired SSO sign-ins.

AWS's answers are injected at the HTTP layer (botocore's ``before-send`` event), so botocore
parses and retries them as it would a real answer.
"""

import hashlib
import json

import botocore.credentials
import botocore.tokens
import pytest
from botocore.awsrequest import AWSResponse

from wildrydes_nb import roles
from wildrydes_nb.aws import client, make_session
from wildrydes_nb.aws_errors import calling
from wildrydes_nb.errors import AwsAccessError, QuotaError
from wildrydes_nb.identity_pool import find_identity_pools
from wildrydes_nb.apply import ensure

INVALID_TOKEN = "The security token included in the request is invalid."
# IAM's answer to CreateRole at the roles-per-account quota.
ROLES_QUOTA = "Cannot exceed quota for RolesPerAccount: 1000"
IDENTITY_POOLS_QUOTA = "You have reached the limit of identity pools for this account."


class _Body:
    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_):
        yield self.data


def query_error(code: str, message: str) -> bytes:
    """An error answer of a query-protocol service (IAM, STS)."""
    return (f'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
            f"<Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>4c5d6e7f-0000-1111-2222-333344445555</RequestId></ErrorResponse>").encode()


def json_error(code: str, message: str) -> bytes:
    """An error answer of a JSON-protocol service (Cognito)."""
    return json.dumps({"__type": code, "message": message}).encode()


def answer(session, service: str, operation: str, status: int, body: bytes, content_type: str) -> list:
    """Make AWS answer every ``operation`` call of the package's ``service`` client with this
    error; returns the list of requests sent, to count the attempts."""
    sent = []

    def respond(request, **_):
        sent.append(request.url)
        return AWSResponse(request.url, status, {"Content-Type": content_type}, _Body(body))

    client(session, service).meta.events.register(f"before-send.{service}.{operation}", respond)
    return sent


def test_cloud9_credentials_refused_by_iam_say_so_and_create_nothing(session, step, monkeypatch):
    monkeypatch.setenv("C9_PROJECT", "wildrydes")  # what Cloud9's shells set
    answer(session, "iam", "GetRole", 403, query_error("InvalidClientTokenId", INVALID_TOKEN), "text/xml")
    with pytest.raises(AwsAccessError) as caught:
        ensure(session, step)
    err = caught.value
    assert err.field == "credentials"
    assert "IAM rejected the credentials while trying to read the IAM role " \
           f"{roles.role_name(step.identity_pool_name)} (InvalidClientTokenId: {INVALID_TOKEN})" in err.problem
    assert "AWS Cloud9's managed temporary credentials" in err.problem and "cannot call IAM" in err.problem
    assert "turn off 'AWS managed temporary credentials'" in err.fix and "CloudShell" in err.fix
    # IAM is read before anything is written, so Cloud9's refusal leaves nothing behind.
    assert find_identity_pools(session, step.identity_pool_name) == []


def test_invalid_token_from_sts_is_about_the_credentials_not_cloud9(session):
    answer(session, "sts", "GetCallerIdentity", 403, query_error("InvalidClientTokenId", INVALID_TOKEN), "text/xml")
    with pytest.raises(AwsAccessError) as caught, calling("check who you are signed in as"):
        client(session, "sts").get_caller_identity()
    assert caught.value.problem == ("AWS rejected the credentials while trying to check who you are signed in as "
                                    f"(InvalidClientTokenId: {INVALID_TOKEN}).")
    assert "Cloud9" not in str(caught.value)


def test_identity_pool_quota_is_not_retried_and_says_what_to_do(session, step):
    sent = answer(session, "cognito-identity", "CreateIdentityPool", 400,
                  json_error("LimitExceededException", IDENTITY_POOLS_QUOTA), "application/x-amz-json-1.1")
    with pytest.raises(QuotaError) as caught:
        ensure(session, step)
    assert len(sent) == 1  # botocore's standard mode would have tried five times
    err = caught.value
    assert err.field == "quota"
    assert err.problem == ("could not create the identity pool: the account has reached its quota of identity "
                           "pools per account in a region (1,000 by default) "
                           f"(LimitExceededException: {IDENTITY_POOLS_QUOTA}).")
    assert "wildrydes-nb cleanup" in err.fix and "Service Quotas" in err.fix
    assert session.client("iam").list_roles()["Roles"] == []


def test_role_quota_after_the_pool_was_made_names_the_pool_to_continue_from(session, step):
    sent = answer(session, "iam", "CreateRole", 409, query_error("LimitExceeded", ROLES_QUOTA), "text/xml")
    with pytest.raises(QuotaError) as caught:
        ensure(session, step)
    assert len(sent) == 1
    [pool_id] = find_identity_pools(session, step.identity_pool_name)
    problem = caught.value.problem
    assert problem.startswith(f"could not create the IAM role {roles.role_name(step.identity_pool_name)}: the "
                              f"account has reached its quota of IAM roles per account (LimitExceeded: {ROLES_QUOTA}).")
    assert problem.endswith(f"Already done before this: identity pool {pool_id} created; "
                            "running again continues from there.")


SSO_CONFIG = """\
[profile learner-sso]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-2
sso_account_id = 123456789012
sso_role_name = AdministratorAccess
region = us-east-2

[profile learner-session]
sso_session = workshop
sso_account_id = 123456789012
sso_role_name = AdministratorAccess
region = us-east-2

[sso-session workshop]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-2
"""


@pytest.mark.parametrize("profile, token, botocore_error", [
    ("learner-sso", None, "SSOTokenLoadError"),
    ("learner-sso", "expired", "UnauthorizedSSOTokenError"),
    ("learner-session", "expired", "TokenRetrievalError"),
])
def test_sso_profile_without_a_valid_sign_in_tells_aws_sso_login(tmp_path, monkeypatch, profile, token,
                                                                   botocore_error):
    (tmp_path / "config").write_text(SSO_CONFIG)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    # botocore reads SSO tokens from ~/.aws/sso/cache, a path it fixes when imported: point it here.
    cache = tmp_path / "sso-cache"
    cache.mkdir()
    monkeypatch.setattr(botocore.credentials.SSOProvider, "_SSO_TOKEN_CACHE_DIR", str(cache))
    monkeypatch.setattr(botocore.tokens.SSOTokenProvider, "_SSO_TOKEN_CACHE_DIR", str(cache))
    if token:
        key = "https://example.awsapps.com/start" if profile == "learner-sso" else "workshop"
        (cache / f"{hashlib.sha1(key.encode()).hexdigest()}.json").write_text(json.dumps({
            "startUrl": "https://example.awsapps.com/start", "region": "us-east-2",
            "accessToken": "expired-token", "expiresAt": "2020-01-01T00:00:00Z"}))
    session = make_session(profile, "us-east-2")
    with pytest.raises(AwsAccessError) as caught:
        find_identity_pools(session, "wildrydes_identity_pool")
    err = caught.value
    assert type(err.__context__).__name__ == botocore_error
    assert err.field == "profile"
    assert err.problem == (f"the AWS SSO sign-in of profile '{profile}' is missing or has expired, "
                           "so AWS could not list identity pools.")
    assert err.fix == f"Run 'aws sso login --profile {profile}', then run this again."


def test_a_client_for_another_region_is_its_own(session):
    here, there = client(session, "cognito-identity"), client(session, "cognito-identity", "us-east-1")
    assert here.meta.region_name == "us-east-2" and there.meta.region_name == "us-east-1"
    assert client(session, "cognito-identity", "us-east-1") is there
