"""Verification: read-only checks, the sign-in proof, clear failures, the test user always removed."""

import json

import pytest

from wildrydes_nb import roles
from wildrydes_nb.aws import count_calls
from wildrydes_nb.apply import ensure
from wildrydes_nb.inputs import check_step_input
from wildrydes_nb.report import FAIL, NOT_PROVEN, NOT_RUN, PASS
from wildrydes_nb import checks

from test_identity_pool import fresh, writes


def by_id(report):
    return {c.id: c for c in report.checks}  # keyed on the stable ids


def users(session, user_pool_id):
    return session.client("cognito-idp").list_users(UserPoolId=user_pool_id)["Users"]


def test_a_correct_pool_passes_every_check(session, step):
    from wildrydes_nb.verify import verify

    result = ensure(session, step)
    report = verify(session, step, result.identity_pool_id)
    assert report.ok, report.to_text()
    found = by_id(report)
    assert ":assumed-role/Cognito_wildrydes_identity_poolAuth_Role/" in \
        found[checks.PROOF_ROLE].detail
    assert users(session, step.user_pool_id) == []


def test_verify_writes_nothing_to_the_pool_or_iam(session, step):
    from wildrydes_nb.verify import verify

    result = ensure(session, step)
    counted = fresh(session)
    counts = count_calls(counted)
    assert verify(counted, step, result.identity_pool_id, proof=False).ok
    assert writes(counts) == {}
    counts.clear()
    verify(counted, step, result.identity_pool_id)
    # The proof's only writes are the throw-away user's, in the user pool.
    assert set(writes(counts)) == {"cognito-idp.AdminCreateUser", "cognito-idp.AdminSetUserPassword",
                                   "cognito-idp.AdminDeleteUser"}
    # The way the web app signs in: SRP, with its password-verifier challenge.
    assert counts["cognito-idp.InitiateAuth"] == 1 and counts["cognito-idp.RespondToAuthChallenge"] == 1


def test_secrets_never_appear_in_the_report(session, step):
    from wildrydes_nb.verify import verify

    result = ensure(session, step)
    report = verify(session, step, result.identity_pool_id)
    text = report.to_json() + report.to_text()
    assert "eyJ" not in text and "SecretKey" not in text
    assert "ASIA…(20 chars)" in report.to_text()


def test_wrong_client_in_pool_fails_with_awss_message_and_user_is_removed(session, step):
    from wildrydes_nb.verify import verify

    result = ensure(session, step)
    other = session.client("cognito-idp").create_user_pool_client(
        UserPoolId=step.user_pool_id, ClientName="other")["UserPoolClient"]["ClientId"]
    session.client("cognito-identity").update_identity_pool(
        IdentityPoolId=result.identity_pool_id, IdentityPoolName=step.identity_pool_name,
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[{"ProviderName": step.provider_name, "ClientId": other}])
    report = verify(session, step, result.identity_pool_id)
    found = by_id(report)
    assert found[checks.IDENTITY_POOL_PROVIDER].status == FAIL
    failed = found[checks.PROOF_GET_ID]
    assert failed.status == FAIL and "Token is not from a supported provider" in failed.detail
    # One fix for one cause: the proof's failure points to the provider check's fix.
    assert failed.fix == f"AWS refused because of the provider check above: {found[checks.IDENTITY_POOL_PROVIDER].fix}"
    assert users(session, step.user_pool_id) == []


def test_trust_for_another_pool_fails_aud_and_skips_the_proof(session, step):
    from wildrydes_nb.verify import verify

    result = ensure(session, step)
    session.client("iam").update_assume_role_policy(
        RoleName=roles.name_from_arn(result.authenticated_role_arn),
        PolicyDocument=json.dumps(roles.trust_policy("us-east-2:00000000-1111-2222-3333-444444444444")))
    report = verify(session, step, result.identity_pool_id)
    found = by_id(report)
    assert found[checks.AUTH_ROLE_TRUST_AUD].status == FAIL
    assert found[checks.AUTH_ROLE_TRUST_AMR].status == PASS
    assert found[checks.PROOF].status == NOT_RUN  # the failed role check decides; the proof did not run
    assert report.verdict == FAIL


def test_detached_role_and_unauth_flag_fail_with_fixes(session, step):
    from wildrydes_nb.verify import verify

    result = ensure(session, step)
    identity = session.client("cognito-identity")
    identity.set_identity_pool_roles(IdentityPoolId=result.identity_pool_id, Roles={})
    identity.update_identity_pool(IdentityPoolId=result.identity_pool_id, IdentityPoolName=step.identity_pool_name,
                                  AllowUnauthenticatedIdentities=True,
                                  CognitoIdentityProviders=[{"ProviderName": step.provider_name,
                                                             "ClientId": step.app_client_id}])
    report = verify(session, step, result.identity_pool_id)
    found = by_id(report)
    assert not report.ok
    assert found[checks.AUTH_ROLE_ATTACHED].status == FAIL and found[checks.AUTH_ROLE_ATTACHED].fix
    assert found[checks.IDENTITY_POOL_UNAUTHENTICATED].status == FAIL


def test_missing_pool_is_one_clear_failure(session, step):
    from wildrydes_nb.verify import verify

    report = verify(session, step, "us-east-2:00000000-1111-2222-3333-444444444444")
    # The prerequisites pass; then one clear failure, and nothing more is checked.
    assert [c.status for c in report.checks] == [PASS, PASS, PASS, FAIL]
    assert "not found" in report.checks[-1].detail and report.checks[-1].fix


def client_step(session, step, **client_settings):
    """The step for a new app client of the user pool, made with ``client_settings``."""
    created = session.client("cognito-idp").create_user_pool_client(
        UserPoolId=step.user_pool_id, ClientName="other-client", **client_settings)["UserPoolClient"]
    return check_step_input(step.region, step.user_pool_id, created["ClientId"])


@pytest.mark.parametrize("settings, check, fix", [
    ({"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}, checks.APP_CLIENT_SRP,
     "Allow ALLOW_USER_SRP_AUTH"),
    ({"ExplicitAuthFlows": ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}, checks.APP_CLIENT_SRP,
     "Allow ALLOW_USER_SRP_AUTH"),
    ({"GenerateSecret": True, "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"]}, checks.APP_CLIENT_NO_SECRET,
     "without a secret"),
], ids=["password-only", "custom-only", "secret"])
def test_a_client_the_web_app_cannot_use_fails_the_same_with_and_without_the_proof(session, step, settings, check,
                                                                                   fix):
    from wildrydes_nb.verify import verify

    other = client_step(session, step, **settings)
    pool_id = ensure(session, other).identity_pool_id
    for proof in (True, False):  # one grade for one state: a full run and grading agree
        report = verify(session, other, pool_id, proof=proof)
        assert report.verdict == FAIL and by_id(report)[check].status == FAIL and fix in by_id(report)[check].fix
        assert by_id(report)[checks.PROOF].status == NOT_RUN, report.to_text()
    assert users(session, step.user_pool_id) == []  # no test user was made for a proof that cannot run


def test_every_verify_report_names_every_check_with_not_run_for_those_that_did_not(session, step):
    from wildrydes_nb.verify import verify

    pool_id = ensure(session, step).identity_pool_id
    full, graded = verify(session, step, pool_id), verify(session, step, pool_id, proof=False)
    assert list(full.statuses()) == list(graded.statuses()) == list(checks.VERIFY_IDS)
    assert graded.statuses()[checks.PROOF] == NOT_RUN and graded.verdict == PASS
    assert full.statuses()[checks.PROOF] == PASS  # the proof went to its end: its outcome, not "not run"
    assert graded.statuses()[checks.role_check("unauthenticated", "attached")] == NOT_RUN


def test_no_permission_to_create_users_is_not_proven(session, step, monkeypatch):
    from botocore.exceptions import ClientError

    from wildrydes_nb import verify as verify_module

    result = ensure(session, step)
    idp = verify_module.client(session, "cognito-idp")

    def denied(**_):
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}},
                          "AdminCreateUser")

    monkeypatch.setattr(idp, "admin_create_user", denied)
    report = verify_module.verify(session, step, result.identity_pool_id)
    proof = by_id(report)[checks.PROOF]
    assert proof.status == NOT_PROVEN and "access denied" in proof.detail and "AdminCreateUser" in proof.fix
    assert report.ok


@pytest.mark.parametrize("challenge", ["SOFTWARE_TOKEN_MFA", "SMS_MFA", "NEW_PASSWORD_REQUIRED", "CUSTOM_CHALLENGE"])
def test_a_sign_in_challenge_is_not_proven_naming_it(session, step, monkeypatch, challenge):
    import botocore.client

    from wildrydes_nb.verify import verify

    result = ensure(session, step)
    real = botocore.client.BaseClient._make_api_call

    def challenged(self, operation, params):
        if operation == "RespondToAuthChallenge":
            return {"ChallengeName": challenge, "Session": "s", "ChallengeParameters": {}}
        return real(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", challenged)
    report = verify(fresh(session), step, result.identity_pool_id)
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", real)
    proof = by_id(report)[checks.PROOF]
    assert proof.status == NOT_PROVEN and challenge in proof.detail, report.to_text()
    assert report.ok and users(session, step.user_pool_id) == []


def test_throwaway_user_is_shaped_by_the_pool():
    from wildrydes_nb.user_pool import UserPoolSettings
    from wildrydes_nb.verify import TEST_USER_PREFIX, throwaway_user_for

    alias = throwaway_user_for(UserPoolSettings(alias_attributes=("email", "phone_number")))
    assert alias.username.startswith(TEST_USER_PREFIX) and "@" not in alias.username
    assert dict(alias.attributes)["email"].endswith("@example.com")
    assert dict(alias.attributes)["email_verified"] == "true"
    email = throwaway_user_for(UserPoolSettings(username_attributes=("email",)))
    assert email.username == dict(email.attributes)["email"]
    required = dict(throwaway_user_for(UserPoolSettings(required_attributes=("sub", "name", "birthdate",
                                                                           "phone_number"))).attributes)
    assert required["name"] and required["birthdate"] == "2000-01-01" and required["phone_number"].startswith("+")
    assert "sub" not in required
    assert alias.password not in repr(alias)


@pytest.mark.parametrize("fail_at", ["initiate_auth", "respond_to_auth_challenge", "get_caller_identity"])
def test_the_test_user_is_removed_when_a_step_fails(session, step, monkeypatch, fail_at):
    import botocore.client

    from wildrydes_nb.verify import verify

    result = ensure(session, step)
    real = botocore.client.BaseClient._make_api_call

    def flaky(self, operation, params):
        if operation == "".join(w.capitalize() for w in fail_at.split("_")):
            raise RuntimeError("injected failure")
        return real(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", flaky)
    report = verify(fresh(session), step, result.identity_pool_id)
    assert not report.ok and any("injected failure" in c.detail for c in report.checks)
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", real)
    assert users(session, step.user_pool_id) == []
