"""The call log: what is shown equals what botocore sent on the wire, in order, and holds no secret."""

import json
import threading
from urllib.parse import parse_qs

import pytest

from wildrydes_nb import forms, render
from wildrydes_nb.aws import new_session
from wildrydes_nb.calls import Call, recording, redacted
from wildrydes_nb.identity_pool import plan
from wildrydes_nb.apply import ensure
from wildrydes_nb.redaction import looks_secret
from wildrydes_nb.verify import verify

REGION = "us-east-2"
# The services of the step, as the wire tells them: a JSON target prefix, or a query API version.
_TARGETS = {"AWSCognitoIdentityService": "cognito-identity", "AWSCognitoIdentityProviderService": "cognito-idp"}
_VERSIONS = {"2010-05-08": "iam", "2011-06-15": "sts"}


class Wire:
    """An independent witness: every HTTP request botocore sends and every secret in its answers."""

    def __init__(self, session):
        self.sent: list[tuple[str, str, dict]] = []
        self.threads: list[int] = []  # which thread sent each request: verify makes some at the same time
        self.secrets: set[str] = set()
        session.events.register("before-send", self._request)
        session.events.register("after-call", self._answer)

    def _request(self, request, **_):
        body = request.body.decode() if isinstance(request.body, bytes) else (request.body or "")
        self.threads.append(threading.get_ident())
        target = request.headers.get("X-Amz-Target")
        if target:
            prefix, operation = (target.decode() if isinstance(target, bytes) else target).split(".")
            self.sent.append((_TARGETS[prefix], operation, json.loads(body or "{}")))
        else:
            query = {k: v[0] for k, v in parse_qs(body).items()}
            self.sent.append((_VERSIONS[query.pop("Version")], query.pop("Action"), query))
        self._collect(json.loads(body) if target and body else {})

    def _answer(self, parsed, **_):
        self._collect(parsed)

    def _collect(self, value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                self._collect(v, k if key != "Logins" else "Logins")
        elif isinstance(value, str) and key in {"Password", "IdToken", "AccessToken", "RefreshToken", "SecretKey",
                                                "SessionToken", "SRP_A", "SRP_B", "SECRET_BLOCK", "Session",
                                                "PASSWORD_CLAIM_SIGNATURE", "PASSWORD_CLAIM_SECRET_BLOCK",
                                                "AccessKeyId", "Logins"}:
            self.secrets.add(value)


def _query_form(params: dict) -> dict:
    """Shown parameters flattened as the query protocol (IAM, STS) puts them on the wire."""
    flat = {}

    def walk(value, name):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{name}.{k}" if name else k)
        elif isinstance(value, list):
            for i, v in enumerate(value, 1):
                walk(v, f"{name}.member.{i}")
        else:
            flat[name] = str(value).lower() if isinstance(value, bool) else str(value)

    walk(params, "")
    return flat


def _same(call: Call, sent: tuple[str, str, dict]) -> bool:
    service, operation, body = sent
    if (call.service, call.operation) != (service, operation):
        return False
    if service in ("iam", "sts"):
        return _query_form(call.params) == {k: redacted(v) for k, v in body.items()}
    return call.params == redacted(body)


def assert_shown_is_sent(shown: list[Call], wire: Wire) -> None:
    """Each call shown is one request sent (same service, operation and parameters, redacted), and
    they come in the order sent; two calls may only trade places when two threads sent them at once."""
    assert len(shown) == len(wire.sent)
    unused = list(range(len(wire.sent)))
    matched = []
    for call in shown:
        index = next((i for i in unused if _same(call, wire.sent[i])), None)
        assert index is not None, f"shown but not sent: {call}"
        unused.remove(index)
        matched.append(index)
    for earlier, later in zip(matched, matched[1:]):
        assert earlier < later or wire.threads[earlier] != wire.threads[later]


def assert_no_secret(texts: list[str], wire: Wire) -> None:
    assert wire.secrets  # the witness saw the password, the tokens and the keys
    for text in texts:
        assert not looks_secret(text) and "eyJ" not in text
        assert not [s for s in wire.secrets if len(s) > 8 and s in text]


@pytest.fixture
def fresh(sandbox, session, user_pool, iam_delay):
    """A session no client was made from yet, so that the witness sees every request."""
    iam_delay(0)
    return new_session(region_name=REGION)


def test_create_and_verify_show_exactly_the_calls_sent_in_order_without_secrets(fresh, step):
    wire = Wire(fresh)
    with recording(fresh) as created:
        result = ensure(fresh, step)
    with recording(fresh) as verified:
        report = verify(fresh, step, result.identity_pool_id)
    assert report.ok
    assert_shown_is_sent([*created, *verified], wire)
    assert len(created) == 8 and len(verified) == 13
    writes = [c.operation for c in created if not c.operation.startswith(("Describe", "List", "Get"))]
    assert writes == ["CreateIdentityPool", "CreateRole", "SetIdentityPoolRoles"]
    shown = [render.calls(created).html, render.calls(created).text, render.calls(verified).html,
             render.calls(verified).text, json.dumps(verified.to_list())]
    assert_no_secret(shown, wire)
    srp = next(c for c in verified if c.operation == "RespondToAuthChallenge").params["ChallengeResponses"]
    assert srp["PASSWORD_CLAIM_SIGNATURE"].startswith("…(") and srp["USERNAME"].startswith("wildrydes-verify-")


def test_the_forms_show_what_was_sent_for_create_and_verify(fresh, saved_form, step):
    form, wire = saved_form
    form.create()
    check = forms.VerifyForm(form)
    check.verify()
    assert_shown_is_sent([*form.sent_calls, *check.sent_calls], wire)
    assert "What was sent to AWS (8 calls)" in form.sent.text
    assert "What was sent to AWS (14 calls)" in check.sent.text
    assert_no_secret([form.sent.value, form.sent.text, check.sent.value, check.sent.text], wire)


def test_a_role_not_found_before_it_is_created_is_shown_as_expected(fresh, saved_form):
    """The step reads the role first; AWS's NoSuchEntity there means "create it", not a failure."""
    form, _ = saved_form
    form.create()
    operations = [c.operation for c in form.sent_calls]
    get, create = operations.index("GetRole"), operations.index("CreateRole")
    assert form.sent_calls[get].error == "NoSuchEntity"
    assert f"not found (NoSuchEntity), as expected: call {create + 1} creates it" in form.sent.text
    assert "error:" not in form.sent.text
    # A role that is not created afterwards stays an error: verify after someone deleted it.
    made = [Call("iam", "GetRole", {"RoleName": "r"}, made=True, error="NoSuchEntity")]
    assert "error: NoSuchEntity" in render.calls(made).text


@pytest.fixture
def saved_form(fresh, scratchpad, user_pool):
    scratchpad.update(region=REGION, user_pool_id=user_pool.user_pool_id, app_client_id=user_pool.app_client_id)
    form = forms.IdentityPoolForm(scratchpad)
    form._sessions[(None, REGION)] = fresh  # the session the witness watches
    return form, Wire(fresh)


def test_ensure_sends_exactly_the_plans_write_calls(fresh, step):
    planned = plan(fresh, step).calls()
    assert planned[0].params["IdentityPoolTags"]["wildrydes-nb:created-at"] == "<the time of the call, UTC>"
    with recording(fresh) as log:
        result = ensure(fresh, step)
    made = [c for c in log if c.operation in {p.operation for p in planned}]
    assert [(c.service, c.operation) for c in made] == [(p.service, p.operation) for p in planned]
    fill = {"<IdentityPoolId of the new pool>": result.identity_pool_id,
            "<Arn of Cognito_wildrydes_identity_poolAuth_Role>": result.authenticated_role_arn}
    for planned_call, made_call in zip(planned, made):
        text = json.dumps(planned_call.params)
        for placeholder, value in fill.items():
            text = text.replace(placeholder, value)
        expected = json.loads(text)
        for tag in ("wildrydes-nb:created-at", "wildrydes-nb:run"):  # the time, and a token unique to the run
            expected.get("IdentityPoolTags", {}).pop(tag, None)
            made_call.params.get("IdentityPoolTags", {}).pop(tag, None)
        assert made_call.params == expected


def test_a_call_renders_as_boto3_and_as_the_aws_cli():
    call = Call("cognito-identity", "CreateIdentityPool",
                {"IdentityPoolName": "wildrydes_identity_pool", "AllowUnauthenticatedIdentities": False,
                 "CognitoIdentityProviders": [{"ProviderName": "cognito-idp.us-east-2.amazonaws.com/us-east-2_Ab1",
                                               "ClientId": "abc", "ServerSideTokenCheck": False}]}, REGION)
    assert call.boto3().startswith('cognito_identity.create_identity_pool(\n    IdentityPoolName="wildrydes_identity_pool",\n'
                                   "    AllowUnauthenticatedIdentities=False,\n")
    assert call.cli() == ("aws cognito-identity create-identity-pool \\\n    --identity-pool-name wildrydes_identity_pool"
                          " \\\n    --no-allow-unauthenticated-identities \\\n    --cognito-identity-providers "
                          "'[{\"ProviderName\": \"cognito-idp.us-east-2.amazonaws.com/us-east-2_Ab1\", \"ClientId\": "
                          "\"abc\", \"ServerSideTokenCheck\": false}]' \\\n    --region us-east-2")
    policy = Call("iam", "CreateRole", {"RoleName": "r", "AssumeRolePolicyDocument": '{"Version": "2012-10-17"}'})
    assert 'AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"}),' in policy.boto3()


def test_secrets_are_redacted_by_name_and_by_shape():
    token = "eyJraWQiOiJhIn0.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    shown = redacted({"Logins": {"cognito-idp.us-east-2.amazonaws.com/us-east-2_Ab1": token},
                      "ChallengeResponses": {"SRP_A": "ab" * 40, "USERNAME": "alice"},
                      "Session": "s" * 30, "NextToken": "page-2", "Note": f"got {token}",
                      "ServerSideTokenCheck": False, "ResponseMetadata": {"RequestId": "x"}})
    assert shown == {"Logins": {"cognito-idp.us-east-2.amazonaws.com/us-east-2_Ab1": "…(44 chars)"},
                     "ChallengeResponses": {"SRP_A": "…(80 chars)", "USERNAME": "alice"},
                     "Session": "…(30 chars)", "NextToken": "page-2", "Note": "got …(44 chars)",
                     "ServerSideTokenCheck": False}


def test_the_preview_shows_the_calls_and_the_trust_policy_explained(fresh, step):
    shown = render.plan(plan(fresh, step))
    assert "The AWS calls it will make, in order (3 calls)" in shown.text
    assert shown.text.index("create_identity_pool(") < shown.text.index("create_role(") \
        < shown.text.index("set_identity_pool_roles(")
    assert '"cognito-identity.amazonaws.com:aud": "<IdentityPoolId of the new pool>"' in shown.text
    assert "- aud (" in shown.text and "- amr (" in shown.text and "- principal (" in shown.text
    assert "<summary>as an AWS CLI command</summary>" in shown.html
    assert "aws iam create-role" in shown.html


def test_a_graded_learners_summary_carries_the_calls_redacted(fresh, step, tmp_path):
    from wildrydes_nb.roster import Learner
    from wildrydes_nb.batch import _verify_only
    from wildrydes_nb.summary import write_summaries

    ensure(fresh, step)
    outcome, _report = _verify_only(Learner(2, "ada", REGION, step.user_pool_id, step.app_client_id))
    assert outcome.status == "pass"
    # Which pool is the learner's (the pools of that name, each read), then the reads of the
    # checklist (the pool, its roles and the app client, at the same time); no sign-in proof.
    assert sorted(c["operation"] for c in outcome.calls) == [
        "DescribeIdentityPool", "DescribeIdentityPool", "DescribeUserPool", "DescribeUserPoolClient",
        "GetIdentityPoolRoles", "GetRole", "ListIdentityPools"]
    summary = json.loads(write_summaries([outcome], tmp_path)["json"].read_text())
    assert summary["learners"][0]["calls"] == outcome.calls and all(c["error"] is None for c in outcome.calls)
