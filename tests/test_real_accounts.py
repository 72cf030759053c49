"""Real accounts beyond the workshop's (issue 19): errors AWS sends that the sandbox never does, sent
by a fake endpoint (tests/aws_fakes.py) in AWS's exact shapes, end in one clear line in every driver."""

import json

import papermill
import pytest
from papermill.exceptions import PapermillExecutionError

from aws_fakes import XML_TYPE, FakeAws, json_error, query_error
from wildrydes_nb import steps
from wildrydes_nb.batch import run_batch
from wildrydes_nb.cli import EXIT_INPUT, main
from wildrydes_nb.roster import read_roster

import workbook

REGION = "us-east-2"


@pytest.fixture
def fake_aws(sandbox, session, monkeypatch):
    """The sandbox behind a fake endpoint; AWS_ENDPOINT_URL points at the fake for this test."""
    fake = FakeAws(sandbox.endpoint_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", fake.url)
    yield fake
    fake.stop()


@pytest.fixture
def cli(tmp_path, capsys):
    pad = tmp_path / "pad.json"

    def run(*argv):
        code = main([*argv, "--scratchpad", str(pad)])
        out, err = capsys.readouterr()
        return code, out, err

    run.pad = pad
    return run


def _given(user_pool):
    return ["--region", REGION, "--user-pool-id", user_pool.user_pool_id, "--app-client-id", user_pool.app_client_id]


def _pools(session):
    return session.client("cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"]


def _roles(session):
    return [r["RoleName"] for r in session.client("iam").list_roles()["Roles"]]


# Each: (operation, status, body, content type, the words the one line must hold).
UNKNOWN = {
    "create pool refused": ("CreateIdentityPool", 400, json_error(
        "InvalidParameterException", "1 validation error detected: Value at 'identityPoolTags' failed"),
        "application/x-amz-json-1.1",
        "AWS refused CreateIdentityPool with InvalidParameterException: 1 validation error detected"),
    "a code botocore never saw": ("CreateIdentityPool", 400, json_error(
        "BrandNewFutureException", "Something AWS added last week."), "application/x-amz-json-1.1",
        "AWS refused CreateIdentityPool with BrandNewFutureException: Something AWS added last week."),
    "malformed policy": ("CreateRole", 400, query_error(
        "MalformedPolicyDocument", "Invalid principal in policy: \"Federated\":\"cognito-identity.amazonaws.com\""),
        XML_TYPE, "AWS refused CreateRole with MalformedPolicyDocument: Invalid principal in policy"),
    "concurrent modification": ("CreateRole", 409, query_error(
        "ConcurrentModification", "Rate exceeded while modifying the role."), XML_TYPE,
        "AWS refused CreateRole with ConcurrentModification: Rate exceeded"),
    "xml botocore cannot parse": ("CreateRole", 400, b"<ErrorResponse><Error><Code>Broken", XML_TYPE,
                                  "the answer to CreateRole could not be read (Unable to parse response"),
}


@pytest.mark.parametrize("case", sorted(UNKNOWN))
def test_an_unknown_aws_error_is_one_line_on_the_command_line(fake_aws, session, user_pool, cli, case):
    operation, status, body, kind, words = UNKNOWN[case]
    fake_aws.answer(operation, status, body, kind)
    code, out, err = cli("identity-pool", *_given(user_pool))
    assert code == EXIT_INPUT, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert words in err
    if operation == "CreateRole":  # the pool was made first: the line says so, and a re-run continues
        pool_id = _pools(session)[0]["IdentityPoolId"]
        assert f"Already done before this: identity pool {pool_id} created" in err
    else:
        assert _pools(session) == [] and _roles(session) == []


def test_an_unknown_error_on_describe_user_pool_is_one_line(fake_aws, session, user_pool, cli):
    fake_aws.answer("DescribeUserPool", 400, json_error("InvalidParameterException", "User pool is being updated."))
    code, _, err = cli("identity-pool", *_given(user_pool))
    assert code == EXIT_INPUT and "Traceback" not in err and _pools(session) == []
    assert "DescribeUserPool with InvalidParameterException: User pool is being updated." in err


def test_an_unknown_error_is_a_message_in_the_form(fake_aws, session, user_pool, tmp_path):
    fake_aws.answer("CreateIdentityPool", 400, json_error("InvalidParameterException", "Tags are not valid."))
    from wildrydes_nb.errors import AwsCallError

    with pytest.raises(AwsCallError) as failure:
        steps.identity_pool({"region": REGION, "user_pool_id": user_pool.user_pool_id,
                             "app_client_id": user_pool.app_client_id})
    assert failure.value.field is None and "Tags are not valid." in str(failure.value)
    from wildrydes_nb.forms import IdentityPoolForm

    from wildrydes_nb.scratchpad import Scratchpad

    form = IdentityPoolForm(Scratchpad(tmp_path / "pad.json"), region=REGION, user_pool_id=user_pool.user_pool_id,
                            app_client_id=user_pool.app_client_id)
    with pytest.raises(AwsCallError):
        form.submit()
    shown = form.status.value + "".join(stage.value for stage in form.stages.values())
    assert "AWS refused CreateIdentityPool with InvalidParameterException: Tags are not valid." in form.status.value
    assert "Traceback" not in shown


def test_an_unknown_error_fails_papermill_with_one_line(fake_aws, session, user_pool, tmp_path):
    fake_aws.answer("CreateIdentityPool", 400, json_error("InvalidParameterException", "Tags are not valid."))
    with pytest.raises(PapermillExecutionError) as failure:
        papermill.execute_notebook(
            str(workbook.SHIPPED_DIR / "02_identity_pool.ipynb"), str(tmp_path / "out.ipynb"), progress_bar=False,
            parameters={"auto_submit": True, "user_pool_id": user_pool.user_pool_id,
                        "app_client_id": user_pool.app_client_id, "scratchpad_path": str(tmp_path / "pad.json")})
    assert failure.value.ename == "AwsCallError"
    assert failure.value.evalue.count("\n") == 0
    assert "AWS refused CreateIdentityPool with InvalidParameterException: Tags are not valid." in failure.value.evalue


def test_an_unknown_error_is_that_learners_row_in_batch(fake_aws, session, user_pool, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("learner,region,user_pool_id,app_client_id,identity_pool_name\n"
                      f"ana,{REGION},{user_pool.user_pool_id},{user_pool.app_client_id},pool_ana\n"
                      f"bo,{REGION},{user_pool.user_pool_id},{user_pool.app_client_id},pool_bo\n")
    fake_aws.answer("CreateIdentityPool", 400, json_error("InvalidParameterException", "Tags are not valid."),
                    when=lambda params: params.get("IdentityPoolName") == "pool_bo")
    outcomes = {o.learner: o for o in run_batch(read_roster(roster), tmp_path / "out", workers=2, progress=False)}
    assert outcomes["ana"].status in ("pass", "set up")
    assert outcomes["bo"].status == "fail"
    assert outcomes["bo"].message.startswith("AWS refused CreateIdentityPool with InvalidParameterException")
    assert "Traceback" not in json.dumps(outcomes["bo"].__dict__, default=str)


# Accounts that restrict IAM (issue 19 item 2). AWS's AccessDenied wording: IAM user guide,
# "Troubleshoot access denied error messages"; that a tag at create needs iam:TagRole /
# cognito-identity:TagResource: IAM user guide "Tags for IAM resources" and Cognito's tagging
# page (the exact refusal of the tag alone is inferred from that wording).
BOUNDARY = "arn:aws:iam::123456789012:policy/WorkshopBoundary"


def _refused(action, resource="arn:aws:iam::123456789012:role/Cognito_wildrydes_identity_poolAuth_Role",
             why="because no identity-based policy allows the {action} action"):
    return (f"User: arn:aws:sts::123456789012:assumed-role/Learner/ana is not authorized to perform: {action} "
            f"on resource: {resource} {why.format(action=action)}")


def test_a_boundary_and_a_path_are_on_every_role_made_and_in_the_plan(session, user_pool, cli):
    session.client("iam").create_policy(PolicyName="WorkshopBoundary", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    boundary = "arn:aws:iam::123456789012:policy/WorkshopBoundary"
    extra = ("--permissions-boundary", boundary, "--role-path", "/workshop/")
    code, out, err = cli("identity-pool", *_given(user_pool), *extra, "--plan")
    assert code == 0, err
    assert f"under path /workshop/ and with permissions boundary {boundary}" in out
    assert '"PermissionsBoundary"' in out or "PermissionsBoundary=" in out
    code, out, err = cli("identity-pool", *_given(user_pool), *extra)
    assert code == 0, err
    role = session.client("iam").get_role(RoleName="Cognito_wildrydes_identity_poolAuth_Role")["Role"]
    assert role["Path"] == "/workshop/" and role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    assert role["Arn"].endswith(":role/workshop/Cognito_wildrydes_identity_poolAuth_Role")
    code, out, err = cli("verify", *_given(user_pool))
    assert code == 0, out + err


@pytest.mark.parametrize("value, words", [
    ("arn:aws:iam::123456789012:role/NotAPolicy", "not the ARN of an IAM managed policy"),
    ("workshop", "is not an IAM path")])
def test_a_bad_boundary_or_path_is_refused_before_any_call(session, user_pool, cli, value, words):
    flag = "--permissions-boundary" if "arn" in value else "--role-path"
    code, _, err = cli("identity-pool", *_given(user_pool), flag, value)
    assert code == EXIT_INPUT and f"error: {flag}: " in err and words in err
    assert _pools(session) == []


def test_create_role_refused_without_a_boundary_names_it_and_leaves_no_pool(fake_aws, session, user_pool, cli):
    fake_aws.answer("CreateRole", 403, query_error("AccessDenied", _refused(
        "iam:CreateRole", why="with an explicit deny in an identity-based policy")), XML_TYPE,
        when=lambda params: "PermissionsBoundary" not in params)
    code, _, err = cli("identity-pool", *_given(user_pool))
    assert code == EXIT_INPUT and "Traceback" not in err
    assert ("AWS refused iam:CreateRole on arn:aws:iam::123456789012:role/Cognito_wildrydes_identity_poolAuth_Role"
            in err)
    assert "--permissions-boundary" in err
    assert "was deleted again, so no pool is left without its role" in err and "Already done" not in err
    assert _pools(session) == [] and _roles(session) == []
    code, out, err = cli("identity-pool", *_given(user_pool), "--permissions-boundary", BOUNDARY)
    assert code == 0, err


def test_a_missing_allow_names_the_statement_that_would_grant_it(fake_aws, session, user_pool, cli):
    fake_aws.answer("CreateRole", 403, query_error("AccessDenied", _refused("iam:CreateRole")), XML_TYPE)
    code, _, err = cli("identity-pool", *_given(user_pool))
    assert code == EXIT_INPUT
    assert ('{"Effect": "Allow", "Action": "iam:CreateRole", "Resource": '
            '"arn:aws:iam::123456789012:role/Cognito_wildrydes_identity_poolAuth_Role"}') in err


def test_refused_role_tags_the_step_goes_on_untagged_and_says_what_it_costs(fake_aws, session, user_pool, cli):
    fake_aws.answer("CreateRole", 403, query_error("AccessDenied", _refused("iam:TagRole")), XML_TYPE,
                    when=lambda params: any(k.startswith("Tags.") for k in params))
    code, out, err = cli("identity-pool", *_given(user_pool))
    assert code == 0, err
    assert "created without tags (iam:TagRole was refused): cleanup deletes it only while it is attached" in out
    iam = session.client("iam")
    assert iam.list_role_tags(RoleName="Cognito_wildrydes_identity_poolAuth_Role")["Tags"] == []
    code, out, err = cli("verify", *_given(user_pool))
    assert code == 0, out + err
    code, out, err = cli("cleanup", *_given(user_pool), "--yes")
    assert code == 0 and _pools(session) == [] and _roles(session) == []


def test_refused_pool_tags_the_pool_is_made_untagged_and_found_again_by_its_link(fake_aws, session, user_pool, cli):
    fake_aws.answer("CreateIdentityPool", 400, json_error("AccessDeniedException", _refused(
        "cognito-identity:TagResource", resource="arn:aws:cognito-identity:us-east-2:123456789012:identitypool/*")),
        when=lambda params: "IdentityPoolTags" in params)
    code, out, err = cli("identity-pool", *_given(user_pool))
    assert code == 0, err
    assert "created without tags (cognito-identity:TagResource was refused)" in out
    [pool] = _pools(session)
    described = session.client("cognito-identity").describe_identity_pool(IdentityPoolId=pool["IdentityPoolId"])
    assert not described.get("IdentityPoolTags")
    cli.pad.unlink()  # the scratchpad lost: the pool is still the learner's by its link to their user pool
    code, out, err = cli("identity-pool", *_given(user_pool))
    assert code == 0 and "created" not in out and len(_pools(session)) == 1, out + err


def test_the_form_takes_a_role_path_and_refuses_a_bad_boundary_under_its_field(session, user_pool, tmp_path):
    from wildrydes_nb.forms import IdentityPoolForm
    from wildrydes_nb.scratchpad import Scratchpad

    form = IdentityPoolForm(Scratchpad(tmp_path / "pad.json"), region=REGION, user_pool_id=user_pool.user_pool_id,
                            app_client_id=user_pool.app_client_id, role_path="/workshop/")
    assert form.restricted.value and form.restrictions.layout.display == ""  # given as a parameter: shown
    assert IdentityPoolForm(Scratchpad(tmp_path / "pad2.json")).restrictions.layout.display == "none"
    form.fields["permissions_boundary"].value = "not-an-arn"
    assert "not the ARN of an IAM managed policy" in form.messages["permissions_boundary"].value
    form.fields["permissions_boundary"].value = ""
    assert form.messages["permissions_boundary"].value == ""
    form.submit()
    role = session.client("iam").get_role(RoleName="Cognito_wildrydes_identity_poolAuth_Role")["Role"]
    assert role["Path"] == "/workshop/"


def test_roster_columns_give_each_learner_a_role_path(session, user_pool, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("learner,region,user_pool_id,app_client_id,identity_pool_name,role_path\n"
                      f"ana,{REGION},{user_pool.user_pool_id},{user_pool.app_client_id},pool_ana,/class/\n")
    [learner] = read_roster(roster)
    assert learner.role_path == "/class/" and learner.permissions_boundary is None
    [outcome] = run_batch([learner], tmp_path / "out", workers=1, progress=False)
    assert outcome.status in ("pass", "set up"), outcome.message
    role = session.client("iam").get_role(RoleName="Cognito_pool_anaAuth_Role")["Role"]
    assert role["Path"] == "/class/"


# A profile whose role needs an MFA code (issue 19 item 1). botocore asks for it with getpass
# (AssumeRoleProvider's prompter); the AWS CLI keeps the role's credentials in ~/.aws/cli/cache.
MFA_SERIAL = "arn:aws:iam::123456789012:mfa/ana"
ROLE = "arn:aws:iam::123456789012:role/WorkshopAdmin"


@pytest.fixture
def mfa_profiles(tmp_path, monkeypatch):
    """``mfa`` assumes a role with an MFA code; ``chained`` assumes another from ``mfa``."""
    config = tmp_path / "aws-config"
    config.write_text("[profile base]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
                      f"[profile mfa]\nrole_arn = {ROLE}\nsource_profile = base\nmfa_serial = {MFA_SERIAL}\n"
                      f"region = {REGION}\n"
                      f"[profile chained]\nrole_arn = {ROLE}2\nsource_profile = mfa\nregion = {REGION}\n"
                      f"[profile plain]\nrole_arn = {ROLE}\nsource_profile = base\nregion = {REGION}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr("wildrydes_nb.aws._terminal", False)
    return tmp_path


@pytest.mark.parametrize("profile", ["mfa", "chained"])
def test_an_mfa_profile_without_a_terminal_stops_at_once_with_the_ways_out(mfa_profiles, session, user_pool, cli,
                                                                              profile):
    code, _, err = cli("identity-pool", "--profile", profile, *_given(user_pool))
    assert code == EXIT_INPUT and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert f"assumes its role with an MFA code (mfa_serial {MFA_SERIAL})" in err
    for way_out in ("aws sts get-caller-identity --profile mfa", "aws sso login", "aws configure export-credentials"):
        assert way_out in err
    assert _pools(session) == []


def test_a_role_profile_without_mfa_is_not_stopped(mfa_profiles, session, user_pool, cli):
    code, out, err = cli("identity-pool", "--profile", "plain", *_given(user_pool))
    assert code == 0, err


def test_a_code_typed_once_on_a_terminal_serves_the_runs_without_one(mfa_profiles, session, user_pool, cli,
                                                                      monkeypatch):
    from wildrydes_nb import aws

    asked = []
    monkeypatch.setattr("wildrydes_nb.aws._terminal", True)  # a terminal: botocore's own prompt is kept
    monkeypatch.setattr("getpass.getpass", lambda prompt="": asked.append(prompt) or "123456")
    terminal = aws.make_session("mfa", REGION)
    provider = terminal._session.get_component("credential_provider").get_provider("assume-role")
    provider._prompter = lambda prompt: asked.append(prompt) or "123456"  # getpass, answered by the learner
    assert "assumed-role/WorkshopAdmin" in terminal.client("sts").get_caller_identity()["Arn"]
    assert asked == [f"Enter MFA code for {MFA_SERIAL}: "]
    assert list((mfa_profiles / ".aws" / "cli" / "cache").glob("*.json"))  # kept where the AWS CLI keeps it
    monkeypatch.setattr("wildrydes_nb.aws._terminal", False)  # then a run with no terminal
    code, out, err = cli("identity-pool", "--profile", "mfa", *_given(user_pool))
    assert code == 0, err
    assert len(asked) == 1


def test_an_mfa_profile_in_papermill_fails_in_one_line_without_waiting(mfa_profiles, session, user_pool, tmp_path):
    with pytest.raises(PapermillExecutionError) as failure:
        papermill.execute_notebook(
            str(workbook.SHIPPED_DIR / "02_identity_pool.ipynb"), str(tmp_path / "out.ipynb"), progress_bar=False,
            execution_timeout=60,
            parameters={"auto_submit": True, "profile": "mfa", "user_pool_id": user_pool.user_pool_id,
                        "app_client_id": user_pool.app_client_id, "scratchpad_path": str(tmp_path / "pad.json")})
    assert failure.value.ename == "AwsAccessError" and "StdinNotImplementedError" not in str(failure.value)
    assert "assumes its role with an MFA code" in failure.value.evalue


# Partitions (issue 19 item 3): AWS GovCloud (US) User Guide, "Amazon Cognito in AWS GovCloud
# (US)" (the principal, US-East's own, FIPS endpoints only, role name + session name <= 24 in
# US-East); "Amazon Cognito" in Getting Started with Amazon Web Services in China (no user pools).
def _govcloud_learner(session, region):
    idp = session.client("cognito-idp", region_name=region)
    pool = idp.create_user_pool(PoolName="wildrydes")["UserPool"]["Id"]
    app = idp.create_user_pool_client(UserPoolId=pool, ClientName="web", ExplicitAuthFlows=[
        "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    return ["--region", region, "--user-pool-id", pool, "--app-client-id", app]


@pytest.mark.parametrize("region, principal", [("us-gov-west-1", "cognito-identity-us-gov.amazonaws.com"),
                                               ("us-gov-east-1", "cognito-identity.us-gov-east-1.amazonaws.com")])
def test_govcloud_roles_trust_that_partitions_principal_and_verify_proves_it(session, cli, region, principal):
    given = _govcloud_learner(session, region)
    code, out, err = cli("identity-pool", *given)
    assert code == 0, err
    role_arn = json.loads(cli.pad.read_text())["authenticated_role_arn"]
    assert role_arn.startswith("arn:aws-us-gov:iam::")
    iam = session.client("iam", region_name=region)  # IAM is per partition: GovCloud's own
    role = iam.get_role(RoleName=role_arn.rsplit("/", 1)[1])["Role"]
    [statement] = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"]["Federated"] == principal
    assert f"{principal}:aud" in statement["Condition"]["StringEquals"]
    if region == "us-gov-east-1":  # role name + session name must fit 24 characters there
        assert len(role["RoleName"]) <= 20 and role["RoleName"] in out  # and the plan showed it
    code, out, err = cli("verify", *given)
    assert code == 0, out + err


def test_a_commercial_trust_in_govcloud_fails_at_once_without_waiting_for_iam(session, cli):
    given = _govcloud_learner(session, "us-gov-west-1")
    assert cli("identity-pool", *given)[0] == 0
    saved = json.loads(cli.pad.read_text())
    name = saved["authenticated_role_arn"].rsplit("/", 1)[1]
    gov_iam = session.client("iam", region_name="us-gov-west-1")
    gov_iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": saved["identity_pool_id"]},
                          "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}}]}))
    code, out, _ = cli("verify", *given)
    assert code == 1
    assert ("it trusts cognito-identity.amazonaws.com, which is not the Cognito principal of us-gov-west-1's "
            "partition (cognito-identity-us-gov.amazonaws.com)") in out
    assert "waiting" not in out and "IAM" not in out.split("proof", 1)[-1].split("\n", 1)[0]


def test_cognito_clients_use_fips_endpoints_in_govcloud(monkeypatch):
    from wildrydes_nb import aws

    monkeypatch.delenv("AWS_ENDPOINT_URL")
    gov = aws.new_session(region_name="us-gov-west-1")
    assert aws.client(gov, "cognito-idp").meta.endpoint_url == "https://cognito-idp-fips.us-gov-west-1.amazonaws.com"
    assert aws.client(gov, "cognito-identity").meta.endpoint_url.startswith("https://cognito-identity-fips.")
    assert aws.client(aws.new_session(region_name=REGION), "cognito-idp").meta.endpoint_url == (
        f"https://cognito-idp.{REGION}.amazonaws.com")


def test_the_china_regions_are_refused_in_one_line(session, cli):
    code, _, err = cli("identity-pool", "--region", "cn-north-1", "--user-pool-id", "cn-north-1_AbC123xyz",
                       "--app-client-id", "abcdefghijklmnopqrstuvwxyz")
    assert code == EXIT_INPUT and len(err.strip().splitlines()) == 1
    assert "one of AWS's China regions, where Cognito user pools are not offered" in err


@pytest.mark.parametrize("region", ["eusc-de-east-1", "us-isob-east-1", "ap-southeast-7"])
def test_region_codes_of_newer_partitions_are_accepted(region):
    from wildrydes_nb.inputs import check_region, region_of

    assert check_region(region) == region and region_of(f"{region}_AbC123xyz") == region


# Opt-in regions (issue 19 item 4): a region the account has not enabled answers
# UnrecognizedClientException ("The security token included in the request is invalid.").
UNRECOGNIZED = json_error("UnrecognizedClientException", "The security token included in the request is invalid.")
OPT_IN = ["--region", "af-south-1", "--user-pool-id", "af-south-1_AbC123xyz", "--app-client-id",
          "abcdefghijklmnopqrstuvwxyz"]


def test_a_region_not_enabled_is_named_when_the_credentials_work_elsewhere(fake_aws, session, cli):
    fake_aws.answer("DescribeUserPool", 400, UNRECOGNIZED)
    code, _, err = cli("identity-pool", *OPT_IN)
    assert code == EXIT_INPUT and len(err.strip().splitlines()) == 1
    assert err.startswith("error: --region: 'af-south-1' is not enabled for this AWS account")
    assert "though they work in us-east-1" in err and "aws account enable-region --region-name af-south-1" in err
    assert "GetCallerIdentity" in fake_aws.seen


def test_credentials_refused_everywhere_are_the_credentials(fake_aws, session, cli):
    fake_aws.answer("DescribeUserPool", 400, UNRECOGNIZED)
    fake_aws.answer("GetCallerIdentity", 403, query_error(
        "InvalidClientTokenId", "The security token included in the request is invalid."), XML_TYPE)
    code, _, err = cli("identity-pool", *OPT_IN)
    assert code == EXIT_INPUT
    assert "AWS rejected the credentials" in err and "not enabled" not in err


# One story per cause (issue 19 item 5).
INVALID_TOKEN = "The security token included in the request is invalid."


def test_iam_refusing_the_credentials_outside_cloud9_is_not_told_as_cloud9(session, user_pool, cli, fake_aws,
                                                                             monkeypatch):
    monkeypatch.delenv("C9_PROJECT", raising=False)
    monkeypatch.delenv("C9_USER", raising=False)
    fake_aws.answer("GetRole", 403, query_error("InvalidClientTokenId", INVALID_TOKEN), XML_TYPE)
    code, _, err = cli("identity-pool", *_given(user_pool))
    assert code == EXIT_INPUT and "AWS rejected the credentials" in err and "Cloud9" not in err


def test_a_users_session_token_without_mfa_gets_its_own_story(session, user_pool, cli, fake_aws, monkeypatch):
    monkeypatch.setenv("AWS_SESSION_TOKEN", "a-session-token-made-by-get-session-token")
    fake_aws.answer("GetRole", 403, query_error("InvalidClientTokenId", INVALID_TOKEN), XML_TYPE)
    code, _, err = cli("identity-pool", *_given(user_pool))
    assert code == EXIT_INPUT and "Cloud9" not in err
    assert "session token of the IAM user arn:aws:sts::123456789012:user/" in err or \
        "session token of the IAM user arn:aws:iam::123456789012:user/" in err
    assert "aws-vault exec --no-session" in err


@pytest.mark.parametrize("code, message, why", [
    ("PasswordResetRequiredException", "Password reset required for the user", "requires a password reset"),
    ("UserNotConfirmedException", "User is not confirmed.", "left the throw-away user unconfirmed"),
    ("NotAuthorizedException", "Unable to login because of security reasons.", "threat protection blocked"),
])
def test_sign_in_outcomes_of_the_user_pools_own_rules_are_not_proven(session, user_pool, cli, fake_aws,
                                                                       code, message, why):
    assert cli("identity-pool", *_given(user_pool))[0] == 0
    fake_aws.answer("InitiateAuth", 400, json_error(code, message))
    status, out, err = cli("verify", *_given(user_pool), "--json")
    report = json.loads(out)
    proof = next(c for c in report["checks"] if c["id"] == "proof")
    assert proof["status"] == "not proven" and why in proof["detail"] and code in proof["detail"]
    assert status == 0, "not proven does not fail verify"


def test_a_wrong_password_is_still_a_failed_sign_in(session, user_pool, cli, fake_aws):
    assert cli("identity-pool", *_given(user_pool))[0] == 0
    fake_aws.answer("InitiateAuth", 400, json_error("NotAuthorizedException", "Incorrect username or password."))
    status, out, _ = cli("verify", *_given(user_pool), "--json")
    assert status == 1
    assert any(c["status"] == "fail" and "Incorrect username" in c["detail"] for c in json.loads(out)["checks"])


def test_iam_is_blamed_only_for_a_role_changed_lately(session, user_pool, cli, fake_aws, iam_delay, monkeypatch):
    from wildrydes_nb import roles

    assert cli("identity-pool", *_given(user_pool))[0] == 0
    fake_aws.answer("GetCredentialsForIdentity", 400, json_error(
        "InvalidIdentityPoolConfigurationException",
        "Invalid identity pool configuration. Check assigned IAM roles for this pool."))
    monkeypatch.setattr(roles, "RECENT_MINUTES", 0)  # the role is now "old", and its trust unchanged here
    status, out, _ = cli("verify", *_given(user_pool))
    assert status == 1 and "neither created nor re-trusted in the last 0 minutes" in out
    assert "waiting" not in out and "service control policy" in out
