"""The shipped learner policy (``wildrydes-nb policy``): it allows every call the step, verify and
cleanup make, nothing more, and with it alone they pass where IAM is enforced.

Two kinds of test:

- **What the code calls.** Against the session's sandbox, the calls the step, verify and cleanup
  make through a learner's session are recorded (``aws.count_calls``) over the situations that
  reach each call; the policy must allow exactly those (less the calls that need no permission,
  plus the permissions AWS checks beside a call, both listed in ``wildrydes_nb/policy.py``). A
  new call in the code fails here until the policy allows it.
- **IAM enforced.** A sandbox of its own (another process on loopback), started with moto's
  ``INITIAL_NO_AUTH_ACTION_COUNT``: its first three requests make an administrator (an IAM user
  with ``*``), after which moto checks the IAM policy of every signed request. A learner user with
  the shipped policy and nothing else runs the commands; with one action less, the command says
  "access denied" in one line and exits 2. The session's sandbox is untouched.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import boto3
import pytest

from wildrydes_nb import policy, roles, steps
from wildrydes_nb.aws import count_calls, new_session, service_model
from wildrydes_nb.cli import EXIT_FAILED, EXIT_INPUT, main
from wildrydes_nb.sandbox import is_loopback, patched_environ
from wildrydes_nb.workshop import seed

REGION = "us-east-2"
ADMIN_CALLS = 3  # CreateUser, PutUserPolicy, CreateAccessKey: the requests moto lets through unchecked
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def without(document: dict, action: str) -> dict:
    """A copy of a policy document that no longer allows ``action``."""
    smaller = copy.deepcopy(document)
    for statement in smaller["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != action]
    assert policy.actions(smaller) == policy.actions(document) - {action}, f"{action} is not in the policy"
    return smaller


def as_action(call: str) -> str:
    """``cognito-identity.CreateIdentityPool`` (count_calls) as ``cognito-identity:CreateIdentityPool`` (IAM)."""
    service, operation = call.split(".", 1)
    return f"{service}:{operation}"


# --- The shipped document -------------------------------------------------------------------------


def test_the_policy_command_prints_the_shipped_document(capsys):
    assert main(["policy"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == policy.learner_policy()
    assert policy.USER_POOL_STATEMENT not in {s["Sid"] for s in printed["Statement"]}
    assert main(["policy", "--user-pool"]) == 0
    whole = json.loads(capsys.readouterr().out)
    assert whole == policy.learner_policy(user_pool=True)
    assert policy.actions(whole) > policy.actions(printed)


def test_every_action_names_an_operation_of_its_service_or_a_permission_aws_checks_beside_one():
    document = policy.learner_policy(user_pool=True)
    assert document["Version"] == "2012-10-17"
    sids = [s["Sid"] for s in document["Statement"]]
    assert len(sids) == len(set(sids)) and all(re.fullmatch(r"[A-Za-z0-9]+", sid) for sid in sids)
    unknown = []
    for action in sorted(policy.actions(document)):
        service, operation = action.split(":")
        if action not in policy.AUTHORIZED_BESIDE and operation not in service_model(service).operation_names:
            unknown.append(action)  # a typo, or an action renamed
    assert unknown == []
    assert not policy.actions(document) & set(policy.NO_PERMISSION)


def test_the_learners_guide_says_why_for_every_action():
    guide = (Path(__file__).resolve().parent.parent / "docs" / "learners.md").read_text(encoding="utf-8")
    table = guide.split("## The IAM permissions the step needs", 1)[1].split("\n## ", 1)[0]
    explained = {name for row in table.splitlines() if row.startswith("| `")
                 for name in re.findall(r"`(?:[a-z-]+:)?([A-Za-z]+)`", row.split(" | ")[0])}
    operations = {action.split(":")[1] for action in policy.actions(policy.learner_policy())}
    assert operations - explained == set(), "actions of the policy without a row in docs/learners.md"


def test_the_calls_said_to_need_no_permission_are_those_botocore_sends_unsigned():
    """Unsigned means IAM is never asked; GetCallerIdentity is signed but allowed to everyone."""
    for action in policy.NO_PERMISSION:
        service, operation = action.split(":")
        model = service_model(service).operation_model(operation)
        unsigned = model.auth_type == "none" or model.auth == ["smithy.api#noAuth"]
        assert unsigned or action == "sts:GetCallerIdentity", action


# --- What the code calls --------------------------------------------------------------------------


def _record_the_step_verify_and_cleanup(scratchpad) -> dict[str, int]:
    """Run the step, verify and cleanup through one learner session, over the situations that reach
    each of their calls; an administrator's session makes what the workshop and others leave."""
    admin = new_session(region_name=REGION)
    account = seed(admin)
    learner = new_session(region_name=REGION)
    calls = count_calls(learner)
    given = {"user_pool_id": account.user_pool_id, "app_client_id": account.app_client_id}
    sessions = {"scratchpad": scratchpad, "session_for": lambda region: learner}

    steps.identity_pool_plan(given, **sessions)  # Preview, identity-pool --plan
    steps.identity_pool({**given, "allow_unauthenticated": True}, **sessions)  # both roles
    result = steps.identity_pool(given, **sessions)  # the flag set back: the unauthenticated role detached
    auth_role = result.authenticated_role_arn.rsplit("/", 1)[-1]
    wrong_trust = roles.trust_policy(result.identity_pool_id, roles.UNAUTHENTICATED)  # amr: guests
    admin.client("iam").update_assume_role_policy(RoleName=auth_role, PolicyDocument=json.dumps(wrong_trust))
    steps.identity_pool(given, **sessions)  # the trust repaired
    assert steps.verify(given, **sessions).ok
    # The workshop's later steps give the role policies: cleanup removes them with the role.
    arn = admin.client("iam").create_policy(PolicyName="WildRydesAPI-StandardUserPolicy",
                                            PolicyDocument=json.dumps(ALLOW_ALL))["Policy"]["Arn"]
    admin.client("iam").attach_role_policy(RoleName=auth_role, PolicyArn=arn)
    admin.client("iam").put_role_policy(RoleName=auth_role, PolicyName="WildRydes-S3Access",
                                        PolicyDocument=json.dumps(ALLOW_ALL))
    report = steps.cleanup(steps.cleanup_plan(given, **sessions), **sessions)
    assert report.ok and len(report.checks) == 3  # the pool and both roles
    return calls


def test_the_policy_allows_exactly_what_the_step_verify_and_cleanup_call(session, scratchpad):
    calls = _record_the_step_verify_and_cleanup(scratchpad)  # `session`: the sandbox emptied first
    called = {as_action(call) for call in calls}
    needing_permission = called - set(policy.NO_PERMISSION)
    allowed = policy.actions(policy.learner_policy())
    assert needing_permission - allowed == set(), "calls the shipped policy does not allow"
    assert allowed - needing_permission - set(policy.AUTHORIZED_BESIDE) == set(), "allowed, never called"
    assert called & set(policy.NO_PERMISSION) == set(policy.NO_PERMISSION)  # the proof ran, unsigned


def test_the_user_pool_statement_allows_exactly_what_making_and_deleting_the_user_pool_adds(session, scratchpad):
    learner = new_session(region_name=REGION)
    calls = count_calls(learner)
    sessions = {"scratchpad": scratchpad, "session_for": lambda region: learner}
    made, _ = steps.user_pool({}, **sessions)  # a new pool: lists the pools of that name first
    steps.user_pool({}, **sessions)  # reused from the scratchpad
    given = {"user_pool_id": made.user_pool_id}
    report = steps.cleanup(steps.cleanup_plan(given, delete_user_pool=True, **sessions), **sessions)
    assert report.ok and [c.detail for c in report.checks] == ["deleted"]
    step_actions = policy.actions(policy.learner_policy())
    added = {as_action(call) for call in calls} - step_actions
    whole = policy.actions(policy.learner_policy(user_pool=True))
    assert added == whole - step_actions


# --- IAM enforced ---------------------------------------------------------------------------------


class EnforcingSandbox:
    """A sandbox process of its own on loopback in which moto checks IAM policies, after the
    administrator it makes with its unchecked first requests."""

    def __init__(self):
        env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(ADMIN_CALLS), "PYTHONUNBUFFERED": "1"}
        self.errors = tempfile.TemporaryFile("w+")  # a file, not a pipe nobody reads, which could fill up
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wildrydes_nb.cli", "sandbox", "--port", "0", "--iam-delay", "0"],
            stdout=subprocess.PIPE, stderr=self.errors, text=True, env=env)
        exported = {}
        while "AWS_REGION" not in exported:
            line = self.process.stdout.readline()
            if not line:
                self.errors.seek(0)
                raise RuntimeError(f"the sandbox stopped: {self.errors.read()[-2000:]}")
            if line.startswith("export "):
                key, value = line.removeprefix("export ").strip().split("=", 1)
                exported[key] = value
        self.endpoint_url = exported["AWS_ENDPOINT_URL"]
        if not is_loopback(self.endpoint_url):
            self.stop()
            raise RuntimeError(f"{self.endpoint_url} is not on loopback; refusing to use it")
        self.admin = None

    def _moto_api(self, path: str, body: bytes = b"") -> None:
        # Not a form (urllib's default type): moto reads the count from the raw body.
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/{path}", data=body, method="POST",
                                         headers={"Content-Type": "text/plain"})
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=30):
            pass

    def reset(self) -> None:
        """Empty it, and let the next ADMIN_CALLS requests through unchecked again: they make the
        administrator, whose keys make everything else the test needs."""
        self._moto_api("reset")
        self._moto_api("reset-auth", str(ADMIN_CALLS).encode())
        self.admin = self.session(self._user("admin", ALLOW_ALL, self.session(None)))

    def session(self, keys: dict | None) -> boto3.Session:
        """A session signed with ``keys`` (``None``: the sandbox's dummy credentials)."""
        if keys is None:
            return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
        return boto3.Session(aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
                             region_name=REGION)

    def client(self, session: boto3.Session, service: str):
        return session.client(service, endpoint_url=self.endpoint_url)

    def _user(self, name: str, document: dict, by: boto3.Session) -> dict:
        iam = self.client(by, "iam")
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="learner", PolicyDocument=json.dumps(document))
        return iam.create_access_key(UserName=name)["AccessKey"]

    def learner(self, name: str, document: dict) -> dict:
        """The keys of a new IAM user whose only permissions are ``document``."""
        return self._user(name, document, self.admin)

    def environment(self, keys: dict | None = None) -> dict:
        """The variables that point boto3 at this sandbox, signed with ``keys`` (default: the administrator's)."""
        credentials = self.admin.get_credentials() if keys is None else None
        return {"AWS_ENDPOINT_URL": self.endpoint_url, "AWS_PROFILE": None,
                "AWS_ACCESS_KEY_ID": keys["AccessKeyId"] if keys else credentials.access_key,
                "AWS_SECRET_ACCESS_KEY": keys["SecretAccessKey"] if keys else credentials.secret_key}

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.errors.close()


@pytest.fixture(scope="module")
def enforcing():
    box = EnforcingSandbox()
    yield box
    box.stop()


@pytest.fixture
def workshop(enforcing, tmp_path):
    """The enforcing sandbox emptied, then the workshop's user pool as its console steps leave it."""
    enforcing.reset()
    with patched_environ(enforcing.environment()):
        account = seed(new_session(region_name=REGION))
    return account


@pytest.fixture
def as_learner(enforcing, workshop, tmp_path, capsys):
    """``as_learner(document, *argv)``: run ``wildrydes-nb`` with the keys of a learner whose only
    permissions are ``document``, on the workshop's ids; returns (exit status, stdout, stderr).
    One learner per document, all sharing one scratchpad (one person, given other permissions)."""
    pad = str(tmp_path / "pad.json")
    learners: dict[str, dict] = {}

    def run(document, *argv):
        text = json.dumps(document, sort_keys=True)
        if text not in learners:
            learners[text] = enforcing.learner(f"learner{len(learners)}", document)
        keys = learners[text]
        ids = ["--user-pool-id", workshop.user_pool_id, "--app-client-id", workshop.app_client_id]
        if argv[0] == "user-pool":
            ids = ["--new"]
        with patched_environ(enforcing.environment(keys)):
            code = main([*argv, *ids, "--scratchpad", pad])
        out, err = capsys.readouterr()
        for secret in (keys["AccessKeyId"], keys["SecretAccessKey"]):
            assert secret not in out + err
        return code, out, err

    return run


def test_the_enforcing_sandbox_refuses_what_no_policy_allows(enforcing, workshop):
    """The checks below mean something: the dummy credentials and unknown keys are refused, and
    a learner whose policy allows none of the step cannot read a pool."""
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="InvalidClientTokenId"):
        enforcing.client(enforcing.session(None), "cognito-identity").list_identity_pools(MaxResults=60)
    keys = enforcing.learner("learner", {"Version": "2012-10-17",
                                         "Statement": [{"Effect": "Allow", "Action": "iam:GetRole",
                                                        "Resource": "*"}]})
    with pytest.raises(ClientError, match="not authorized to perform: cognito-identity:ListIdentityPools"):
        enforcing.client(enforcing.session(keys), "cognito-identity").list_identity_pools(MaxResults=60)


@pytest.mark.slow
def test_the_step_verify_and_cleanup_pass_with_the_shipped_policy_alone(enforcing, workshop, as_learner):
    document = policy.learner_policy()
    code, out, err = as_learner(document, "identity-pool")
    assert (code, err) == (0, "") and "Identity Pool ID: us-east-2:" in out
    code, out, err = as_learner(document, "verify")
    assert code == 0 and "all checks passed" in out
    assert "[PASS] the credentials act as the authenticated role" in out  # the proof ran to its end
    # The workshop's later steps give the role policies; cleanup deletes them with it.
    iam = enforcing.client(enforcing.admin, "iam")
    role = "Cognito_wildrydes_identity_poolAuth_Role"
    arn = iam.create_policy(PolicyName="WildRydesAPI-StandardUserPolicy",
                            PolicyDocument=json.dumps(ALLOW_ALL))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    iam.put_role_policy(RoleName=role, PolicyName="WildRydes-S3Access", PolicyDocument=json.dumps(ALLOW_ALL))
    code, out, err = as_learner(document, "cleanup", "--yes")
    assert code == 0 and "everything listed is gone" in out
    pools = enforcing.client(enforcing.admin, "cognito-identity").list_identity_pools(MaxResults=60)
    assert pools["IdentityPools"] == [] and role not in {r["RoleName"] for r in iam.list_roles()["Roles"]}


def assert_one_clear_refusal(code: int, out: str, err: str, action: str) -> None:
    assert code == EXIT_INPUT
    assert "Traceback" not in out + err
    errors = [line for line in err.splitlines() if line]
    assert len(errors) == 1 and errors[0].startswith("error: permissions: access denied while trying to ")
    assert f"AWS refused {action}" in errors[0]  # AWS's refused action, and the statement that allows it
    assert f'"Action": "{action}"' in errors[0].split("Fix: ", 1)[1]


@pytest.mark.slow
@pytest.mark.parametrize("action", ["cognito-idp:DescribeUserPool", "cognito-identity:ListIdentityPools",
                                    "iam:GetRole", "cognito-identity:CreateIdentityPool", "iam:CreateRole",
                                    "cognito-identity:SetIdentityPoolRoles"])
def test_the_step_without_one_action_of_the_policy_stops_with_one_clear_message(as_learner, action):
    code, out, err = as_learner(without(policy.learner_policy(), action), "identity-pool")
    assert_one_clear_refusal(code, out, err, action)


@pytest.mark.slow
def test_verify_without_reading_the_pools_roles_stops_with_one_clear_message(as_learner):
    document = policy.learner_policy()
    assert as_learner(document, "identity-pool")[0] == 0
    code, out, err = as_learner(without(document, "cognito-identity:GetIdentityPoolRoles"), "verify")
    assert_one_clear_refusal(code, out, err, "cognito-identity:GetIdentityPoolRoles")


@pytest.mark.slow
def test_verify_without_making_test_users_says_the_proof_is_not_proven_and_why(as_learner):
    document = policy.learner_policy()
    assert as_learner(document, "identity-pool")[0] == 0
    code, out, _ = as_learner(without(document, "cognito-idp:AdminCreateUser"), "verify")
    assert code == 0 and "[NOT PROVEN]" in out and "cognito-idp:AdminCreateUser" in out


@pytest.mark.slow
def test_cleanup_without_deleting_roles_names_what_is_left_and_why(enforcing, as_learner):
    document = policy.learner_policy()
    assert as_learner(document, "identity-pool")[0] == 0
    code, out, _ = as_learner(without(document, "iam:DeleteRole"), "cleanup", "--yes")
    assert code == EXIT_FAILED and "Traceback" not in out
    assert re.search(r"\[FAIL\] delete IAM role \S+ — permissions: access denied .* iam:DeleteRole", out)
    assert enforcing.client(enforcing.admin, "cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"] == []


@pytest.mark.slow
def test_the_user_pool_step_needs_the_user_pool_statement(as_learner):
    code, out, err = as_learner(policy.learner_policy(), "user-pool")
    assert_one_clear_refusal(code, out, err, "cognito-idp:CreateUserPool")
    code, out, err = as_learner(policy.learner_policy(user_pool=True), "user-pool")
    assert code == 0 and "created        user pool, app client" in out
