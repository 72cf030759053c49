"""The step exported as a shell script, run by the AWS CLI v1 against the sandbox, then verified."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wildrydes_nb import cli
from wildrydes_nb.identity_pool import find_identity_pools

REGION = "us-east-2"
# The AWS CLI installed with the test extra sits beside this Python.
AWS = Path(sys.executable).with_name("aws")


@pytest.fixture
def args(user_pool, scratchpad):
    return ["--region", REGION, "--user-pool-id", user_pool.user_pool_id,
            "--app-client-id", user_pool.app_client_id, "--scratchpad", str(scratchpad.path)]


def run_script(path: Path, sandbox) -> subprocess.CompletedProcess:
    assert AWS.exists(), "the AWS CLI (awscli, in the test extra) is not installed beside this Python"
    env = {**os.environ, **sandbox.env(), "PATH": f"{AWS.parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([shutil.which("bash"), str(path)], env=env, capture_output=True, text=True, timeout=120)


def test_the_plan_lists_its_calls_as_boto3_and_as_cli(args, capsys):
    assert cli.main(["identity-pool", "--plan", *args]) == 0
    out = capsys.readouterr().out
    assert "The AWS calls it would make, in order (3):" in out
    assert "cognito_identity.create_identity_pool(" in out and "iam.create_role(" in out
    assert cli.main(["identity-pool", "--plan", "--format", "cli", *args]) == 0
    out = capsys.readouterr().out
    assert "aws cognito-identity create-identity-pool \\\n    --identity-pool-name wildrydes_identity_pool" in out
    assert "aws cognito-identity set-identity-pool-roles" in out
    assert cli.main(["identity-pool", "--format", "sh", *args]) == cli.EXIT_INPUT  # a format shows a plan
    assert "--format: --format sh shows a plan." in capsys.readouterr().err


@pytest.mark.slow
def test_the_exported_script_builds_a_pool_that_verifies_and_runs_twice(args, sandbox, session, iam_delay,
                                                                          tmp_path, capsys):
    iam_delay(0)
    assert cli.main(["identity-pool", "--plan", "--format", "sh", *args]) == 0
    script = tmp_path / "identity-pool.sh"
    script.write_text(capsys.readouterr().out)
    text = script.read_text()
    # No jq command: as a word, since an app client id (26 letters and digits) may hold "jq".
    assert text.startswith("#!/usr/bin/env bash\n") and not re.search(r"\bjq\b", text)
    code_lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert sum("#" in line for line in code_lines) >= 5  # commented as it goes, not only in blocks

    first = run_script(script, sandbox)
    assert first.returncode == 0, first.stderr
    assert "created the identity pool us-east-2:" in first.stdout and "created the role arn:aws:iam::" in first.stdout
    pools = find_identity_pools(session, "wildrydes_identity_pool")
    assert len(pools) == 1 and f"Identity Pool ID: {pools[0]}" in first.stdout

    assert cli.main(["verify", *args]) == 0
    assert "all checks passed" in capsys.readouterr().out

    second = run_script(script, sandbox)
    assert second.returncode == 0, second.stderr
    assert f"found the identity pool {pools[0]}" in second.stdout
    assert f"already trusting {pools[0]}" in second.stdout
    assert find_identity_pools(session, "wildrydes_identity_pool") == pools

    # In a shared account, another learner's script of the same name stops and leaves this pool alone.
    idp = session.client("cognito-idp")
    other_pool = idp.create_user_pool(PoolName="WildRydes")["UserPool"]["Id"]
    other_client = idp.create_user_pool_client(UserPoolId=other_pool, ClientName="web")["UserPoolClient"]["ClientId"]
    theirs = tmp_path / "theirs.sh"
    theirs.write_text(text.replace(args[3], other_pool).replace(args[5], other_client))
    third = run_script(theirs, sandbox)
    assert third.returncode == 1 and f"none linked to your user pool (not yours): {pools[0]}" in third.stderr
    assert find_identity_pools(session, "wildrydes_identity_pool") == pools


def test_verify_json_carries_the_calls_redacted(args, session, iam_delay, capsys):
    import json

    iam_delay(0)
    assert cli.main(["identity-pool", *args]) == 0
    capsys.readouterr()
    assert cli.main(["verify", "--json", *args]) == 0
    out = capsys.readouterr().out
    report = json.loads(out)
    operations = [c["operation"] for c in report["calls"]]
    # The scratchpad's pool is read (it is the learner's if it is still there); then verify's first
    # two reads run side by side, so either may be logged first.
    assert operations[0] == "DescribeIdentityPool"
    assert set(operations[1:3]) == {"DescribeIdentityPool", "GetIdentityPoolRoles"}
    assert "GetCredentialsForIdentity" in operations
    assert "eyJ" not in out and "SecretKey" not in json.dumps([c["answer"] for c in report["calls"]])


@pytest.mark.slow
def test_the_exported_script_honours_a_role_path_and_a_boundary(args, sandbox, session, iam_delay, tmp_path, capsys):
    iam_delay(0)
    session.client("iam").create_policy(PolicyName="WorkshopBoundary", PolicyDocument=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'))
    boundary = "arn:aws:iam::123456789012:policy/WorkshopBoundary"
    assert cli.main(["identity-pool", "--plan", "--format", "sh", *args, "--role-path", "/workshop/",
                     "--permissions-boundary", boundary]) == 0
    script = tmp_path / "identity-pool.sh"
    script.write_text(capsys.readouterr().out)
    ran = run_script(script, sandbox)
    assert ran.returncode == 0, ran.stderr
    role = session.client("iam").get_role(RoleName="Cognito_wildrydes_identity_poolAuth_Role")["Role"]
    assert role["Path"] == "/workshop/" and role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
