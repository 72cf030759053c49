"""The CLI: thin over the library, values from the scratchpad, clear errors, lazy imports."""

import json
import os
import subprocess
import sys

import pytest

from wildrydes_nb.cli import EXIT_FAILED, EXIT_INPUT, main


@pytest.fixture
def run(session, tmp_path, capsys):
    pad = str(tmp_path / "pad.json")

    def _run(*argv):
        code = main([*argv, "--scratchpad", pad])
        out, err = capsys.readouterr()
        return code, out, err

    _run.pad = pad
    return _run


def test_user_pool_then_identity_pool_then_verify_use_the_scratchpad(run):
    code, out, _ = run("user-pool")
    assert code == 0 and "user_pool_id" in out
    saved = json.load(open(run.pad))
    assert {"region", "user_pool_id", "app_client_id"} <= set(saved)
    code, out, _ = run("identity-pool", "--plan")
    assert code == 0 and "create identity pool 'wildrydes_identity_pool'" in out
    code, out, _ = run("identity-pool")
    assert code == 0 and "Identity Pool ID: us-east-2:" in out
    pool_id = json.load(open(run.pad))["identity_pool_id"]
    code, out, _ = run("identity-pool", "--plan")
    assert code == 0 and "Nothing to do" in out
    code, out, _ = run("scratchpad")
    assert code == 0 and f"Identity Pool ID           {pool_id}" in out and f"identityPoolId: '{pool_id}'" in out
    code, out, _ = run("verify", "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["facts"]["identity_pool_id"] == pool_id
    code, _, err = run("cleanup")  # no terminal to confirm on: nothing is deleted
    assert code == EXIT_INPUT and "--yes" in err and json.load(open(run.pad))["identity_pool_id"] == pool_id
    code, out, _ = run("cleanup", "--yes")
    assert code == 0 and "identity pool" in out
    assert "identity_pool_id" not in json.load(open(run.pad))


def test_bad_input_is_one_clear_line_and_creates_nothing(run, session):
    code, _, err = run("identity-pool", "--user-pool-id", "abcdefghijklmnopqrstuvwxyz",
                       "--app-client-id", "us-east-2_abc")
    assert code == EXIT_INPUT
    assert err.startswith("error: --user-pool-id: ") and "Fix:" in err and "Traceback" not in err  # its flag
    assert session.client("cognito-identity").list_identity_pools(MaxResults=10)["IdentityPools"] == []


def test_missing_user_pool_is_a_clear_error(run):
    code, _, err = run("identity-pool", "--user-pool-id", "us-east-2_Missing1",
                       "--app-client-id", "abcdefghijklmnopqrstuvwxyz")
    assert code == EXIT_INPUT and "User pool us-east-2_Missing1 does not exist" in err


def test_verify_fails_with_exit_1_when_a_check_fails(run, session):
    run("user-pool")
    run("identity-pool")
    pool_id = json.load(open(run.pad))["identity_pool_id"]
    session.client("cognito-identity").set_identity_pool_roles(IdentityPoolId=pool_id, Roles={})
    code, out, _ = run("verify")
    assert code == EXIT_FAILED and "[FAIL] authenticated role attached" in out and "fix:" in out


def test_a_name_given_is_used_or_verify_fails(run):
    assert run("user-pool")[0] == 0 and run("identity-pool")[0] == 0
    code, _, err = run("verify", "--name", "nope")
    assert code == EXIT_INPUT and "there is no identity pool called 'nope'" in err


def test_verify_without_pool_says_how_to_make_one(run):
    run("user-pool")
    code, _, err = run("verify")
    assert code == EXIT_INPUT and "'wildrydes-nb identity-pool'" in err


def test_missing_credentials_are_a_clear_error(run, monkeypatch):
    run("user-pool")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, _, err = run("identity-pool")
    assert code == EXIT_INPUT and "credentials" in err and "Traceback" not in err


def test_access_denied_throttling_and_invalid_credentials_are_clear(run, monkeypatch):
    import botocore.client
    from botocore.exceptions import ClientError

    run("user-pool")
    for code_name, words in (("AccessDeniedException", "access denied"), ("ThrottlingException", "throttling"),
                             ("UnrecognizedClientException", "rejected the credentials")):
        def refuse(self, operation, params, code_name=code_name):
            raise ClientError({"Error": {"Code": code_name, "Message": "no"}}, operation)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse)
        code, _, err = run("identity-pool")
        assert code == EXIT_INPUT and words in err and "Fix:" in err


class _Body:
    def __init__(self, data):
        self.data = data

    def stream(self, **_):
        yield self.data


def test_throttling_is_retried_by_botocore_standard_mode(session):
    from botocore.awsrequest import AWSResponse

    from wildrydes_nb.identity_pool import find_identity_pools

    sent = []

    def throttle_twice(request, **_):
        sent.append(request.url)
        if len(sent) <= 2:
            body = b'{"__type": "ThrottlingException", "message": "Rate exceeded"}'
            return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"}, _Body(body))
        return None

    session.events.register("before-send.cognito-identity.ListIdentityPools", throttle_twice)
    assert find_identity_pools(session, "wildrydes_identity_pool") == []
    assert len(sent) == 3


def test_importing_the_cli_loads_nothing_heavy():
    code = ("import sys, wildrydes_nb.cli as c; c.build_parser(); "
            "print(sorted(m for m in ('boto3', 'botocore', 'moto', 'ipywidgets', 'papermill') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.slow
def test_sandbox_command_serves_loopback_and_prints_the_environment(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "wildrydes_nb.cli", "sandbox"], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines = [proc.stdout.readline() for _ in range(6)]
        env = dict(line.removeprefix("export ").strip().split("=", 1) for line in lines if line.startswith("export "))
        assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
        import boto3

        sts = boto3.client("sts", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-2")
        assert sts.get_caller_identity()["Account"] == "123456789012"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.slow
def test_sandbox_workshop_exports_its_own_scratchpad_holding_the_workshops_ids():
    import boto3

    from wildrydes_nb.scratchpad import Scratchpad, default_path

    proc = subprocess.Popen([sys.executable, "-m", "wildrydes_nb.cli", "sandbox", "--workshop", "--iam-delay", "0"],
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        env = {}
        while len(env) < 6:
            line = proc.stdout.readline()
            assert line, "the sandbox command stopped"
            if line.startswith("export "):
                key, value = line.removeprefix("export ").strip().split("=", 1)
                env[key] = value
        pad = env["WILDRYDES_SCRATCHPAD"]
        assert "wildrydes-sandbox-" in pad and pad != str(default_path())  # never the real scratchpad
        saved = Scratchpad(pad).read()
        idp = boto3.client("cognito-idp", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=saved["region"])
        pool = idp.describe_user_pool(UserPoolId=saved["user_pool_id"])["UserPool"]
        assert pool["AliasAttributes"] == ["email", "phone_number"] and pool["DeletionProtection"] == "ACTIVE"
    finally:
        proc.terminate()
        proc.wait(10)
