"""The step in the learner's real account, as the sandbox reproduces it: the console's alias user
pool with deletion protection, an SRP-only app client, IAM that takes seconds to make a role
usable, a pool made in today's console, and one account used in two regions."""

import json

import papermill
import pytest

import workbook
from wildrydes_nb import checks
from wildrydes_nb.aws import new_session
from wildrydes_nb.report import SET_UP
from wildrydes_nb.roster import read_roster
from wildrydes_nb.batch import run_batch
from wildrydes_nb.cli import EXIT_INPUT, main
from wildrydes_nb.identity_pool import find_identity_pools
from wildrydes_nb.apply import ensure
from wildrydes_nb.inputs import check_step_input
from wildrydes_nb.report import FAIL, PASS, report_in_notebook
from wildrydes_nb.workshop import CONSOLE_AUTH_ROLE, S3_POLICY_NAME, seed
from wildrydes_nb.verify import verify

# Seconds IAM keeps a new role unusable here: longer than the calls between creating the role
# and asking for credentials take even on a loaded machine, so the wait is always met.
DELAY = 3
SRP_STAGE = checks.PROOF_SIGN_IN  # "sign in as a test user (SRP, as the web app does)"
CREDENTIALS_STAGE = checks.PROOF_CREDENTIALS  # "the identity gets temporary AWS credentials (...)"


@pytest.fixture
def cli(capsys, tmp_path):
    pad = str(tmp_path / "scratchpad.json")

    def run(*argv):
        code = main([*argv, "--scratchpad", pad])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def ids(account):
    return ["--region", account.region, "--user-pool-id", account.user_pool_id,
            "--app-client-id", account.app_client_id]


def by_id(checks):
    return {c["id"]: c for c in checks}


def test_the_workshop_account_is_what_the_console_leaves(session, workshop_account):
    idp = session.client("cognito-idp")
    pool = idp.describe_user_pool(UserPoolId=workshop_account.user_pool_id)["UserPool"]
    assert pool["AliasAttributes"] == ["email", "phone_number"] and not pool.get("UsernameAttributes")
    assert pool["DeletionProtection"] == "ACTIVE"
    client = idp.describe_user_pool_client(UserPoolId=workshop_account.user_pool_id,
                                           ClientId=workshop_account.app_client_id)["UserPoolClient"]
    assert client["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert client["PreventUserExistenceErrors"] == "ENABLED"  # the console's default
    assert "ClientSecret" not in client


@pytest.mark.slow
def test_cli_step_then_verify_prove_the_sign_in_by_srp_after_waiting_for_iam(workshop_account, iam_delay, cli):
    iam_delay(DELAY)
    code, out, _ = cli("identity-pool", *ids(workshop_account))
    assert code == 0, out
    code, out, err = cli("verify", "--json")
    report = json.loads(out)
    assert code == 0 and report["verdict"] == PASS, out
    found = by_id(report["checks"])
    assert found[SRP_STAGE]["status"] == PASS
    assert "after waiting" in found[CREDENTIALS_STAGE]["detail"]
    assert "waiting for IAM to make the new role usable" in err


@pytest.mark.slow
def test_notebook_headless_passes_in_the_workshop_account(workshop_account, iam_delay, tmp_path):
    iam_delay(DELAY)
    executed = tmp_path / "02_identity_pool.ipynb"
    papermill.execute_notebook(
        str(workbook.SHIPPED_DIR / "02_identity_pool.ipynb"), str(executed), cwd=str(workbook.SHIPPED_DIR),
        kernel_name="python3", progress_bar=False,
        parameters={"region": workshop_account.region, "user_pool_id": workshop_account.user_pool_id,
                    "app_client_id": workshop_account.app_client_id, "auto_submit": True,
                    "scratchpad_path": str(tmp_path / "scratchpad.json")})
    report = report_in_notebook(executed)
    assert report.verdict == PASS, report.to_text()
    found = {c.id: c for c in report.checks}
    assert found[SRP_STAGE].status == PASS and "after waiting" in found[CREDENTIALS_STAGE].detail


@pytest.mark.slow
def test_batch_of_three_learners_passes_in_the_workshop_account(workshop_account, iam_delay, tmp_path):
    iam_delay(DELAY)
    roster = tmp_path / "roster.csv"
    rows = [f"{name},{workshop_account.region},{workshop_account.user_pool_id},"
            f"{workshop_account.app_client_id},wildrydes_{name}" for name in ("ana", "bo", "cy")]
    roster.write_text("learner,region,user_pool_id,app_client_id,identity_pool_name\n" + "\n".join(rows) + "\n")
    outcomes = run_batch(read_roster(roster), tmp_path / "out", workers=2, progress=False)
    assert [o.status for o in outcomes] == [SET_UP] * 3, [o.message for o in outcomes]  # batch made the pools
    assert all(o.checks[SRP_STAGE] == PASS for o in outcomes)
    for outcome in outcomes:  # each learner's notebook shows the wait; their page links it, rendered
        report = report_in_notebook(tmp_path / "out" / outcome.learner / "02_identity_pool.ipynb")
        assert "after waiting" in {c.id: c for c in report.checks}[CREDENTIALS_STAGE].detail
        assert outcome.notebook == f"{outcome.learner}/02_identity_pool.html"
        page = (tmp_path / "out" / outcome.feedback).read_text()
        assert "after waiting" in page and 'href="02_identity_pool.html"' in page


def test_an_app_client_with_a_secret_fails_with_its_fix_and_the_cli_exits_1(session, workshop_account, cli):
    secret_client = session.client("cognito-idp").create_user_pool_client(
        UserPoolId=workshop_account.user_pool_id, ClientName="with-secret", GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    args = ["--region", workshop_account.region, "--user-pool-id", workshop_account.user_pool_id,
            "--app-client-id", secret_client]
    assert cli("identity-pool", *args)[0] == 0
    code, out, _ = cli("verify", *args)
    assert code == 1 and "[FAIL] the app client has no client secret" in out and "without a secret" in out
    assert "[NOT RUN] sign-in proof" in out


def test_iam_that_never_catches_up_fails_after_the_wait_with_a_fix_that_fits(session, workshop_account, iam_delay):
    iam_delay(60)
    step = check_step_input(workshop_account.region, workshop_account.user_pool_id, workshop_account.app_client_id)
    result = ensure(session, step)
    waits = []
    report = verify(session, step, result.identity_pool_id, iam_wait=2,
                    progress=lambda stage, state, detail: waits.append(detail) if state == "waiting" else None)
    found = {c.id: c for c in report.checks}
    assert report.verdict == FAIL and found[CREDENTIALS_STAGE].status == FAIL
    assert "InvalidIdentityPoolConfigurationException" in found[CREDENTIALS_STAGE].detail
    assert "wait a minute and verify again" in found[CREDENTIALS_STAGE].fix
    assert waits and waits[-1].startswith("waiting for IAM to make the new role usable: ")
    assert found[checks.PROOF_TEST_USER_REMOVED].status == PASS


def test_a_pool_made_in_todays_console_keeps_its_role_and_policies(session, console_account, cli):
    code, out, _ = cli("identity-pool", *ids(console_account))
    assert code == 0, out
    identity = session.client("cognito-identity")
    attached = identity.get_identity_pool_roles(IdentityPoolId=console_account.identity_pool_id)["Roles"]
    assert attached == {"authenticated": console_account.authenticated_role_arn}
    iam = session.client("iam")
    assert iam.list_role_policies(RoleName=CONSOLE_AUTH_ROLE)["PolicyNames"] == [S3_POLICY_NAME]
    assert not [r for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("Cognito_")]
    code, out, _ = cli("verify", "--json")
    report = json.loads(out)
    assert code == 0 and report["verdict"] == PASS, out
    assert by_id(report["checks"])[SRP_STAGE]["status"] == PASS


def test_the_same_pool_name_in_a_second_region_stops_and_the_first_still_verifies(session, workshop_account, cli,
                                                                                  tmp_path):
    assert cli("identity-pool", *ids(workshop_account))[0] == 0
    first = find_identity_pools(session, "wildrydes_identity_pool")
    other_region = new_session(region_name="us-east-1")
    second = seed(other_region)
    code, _, err = cli("identity-pool", *ids(second))
    assert code == EXIT_INPUT
    assert first[0] in err and "us-east-1" in err and "Traceback" not in err
    assert find_identity_pools(other_region, "wildrydes_identity_pool") == []  # nothing half-made
    code, out, _ = cli("verify", *ids(workshop_account))
    assert code == 0, out
    # Cleaning up in the second region keeps the role the first region's live pool uses.
    code, out, err = cli("cleanup", "--region", "us-east-1", "--yes")
    assert code == 0, err
    assert f"kept: IAM role Cognito_wildrydes_identity_poolAuth_Role: kept, because the identity pool {first[0]}" in out
    assert session.client("iam").get_role(RoleName="Cognito_wildrydes_identity_poolAuth_Role")
