"""The sandbox as a local service: clear errors for bad ports and regions, closed to web pages and foreign hosts."""

import http.client
import json
import os
import socket
import subprocess
import sys
from urllib.parse import urlsplit
from xml.etree import ElementTree

import boto3
import pytest

from wildrydes_nb import sandbox as sandbox_module
from wildrydes_nb.cli import EXIT_INPUT, build_parser, main

# A CreateIdentityPool request as boto3 sends it (the sandbox checks no signature).
TARGET = "AWSCognitoIdentityService.CreateIdentityPool"
AUTHORIZATION = ("AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-2/cognito-identity/aws4_request, "
                 "SignedHeaders=host;x-amz-target, Signature=0")


def send(box, method="POST", path="/", *, host=None, headers=None, body=b""):
    """One raw HTTP request to the sandbox, as a browser or a hostile page could send it."""
    endpoint = urlsplit(box.endpoint_url)
    connection = http.client.HTTPConnection(endpoint.hostname, endpoint.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", endpoint.netloc if host is None else host)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def create_pool(box, name, **extra):
    """Send CreateIdentityPool for ``name`` with extra headers (and a ``host``); return the answer."""
    host = extra.pop("host", None)
    headers = {"X-Amz-Target": TARGET, "Content-Type": "application/x-amz-json-1.1",
               "Authorization": AUTHORIZATION, **extra}
    body = json.dumps({"IdentityPoolName": name, "AllowUnauthenticatedIdentities": False}).encode()
    return send(box, host=host, headers=headers, body=body)


def pool_names(session):
    pools = session.client("cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"]
    return sorted(pool["IdentityPoolName"] for pool in pools)


def assert_refused(answer, reason):
    status, headers, body = answer
    assert status == 403
    assert not [name for name in headers if name.startswith("access-control-")]
    assert headers["content-type"].startswith("text/plain")
    assert body.decode() == f"Forbidden: {reason}\n"


FROM_A_WEB_PAGE = ("the sandbox answers programs on this machine (boto3, the AWS CLI), not web pages; "
                   "this request came from a web page.")
FOREIGN_HOST = ("the sandbox answers only requests addressed to 127.0.0.1, ::1 or localhost; "
                "this request named another host.")


# --- Web pages: refused, and never told that they may read the answer ------------------------------

@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost:8888", "http://127.0.0.1:8888",
                                    "null", "http://127.0.0.1"])
def test_a_request_from_a_web_page_changes_nothing(session, sandbox, origin):
    assert_refused(create_pool(sandbox, "from_a_page", Origin=origin), FROM_A_WEB_PAGE)

    assert pool_names(session) == []
    # The same request from a program is served: only the web page was refused.
    status, _, _ = create_pool(sandbox, "from_a_program")
    assert status == 200
    assert pool_names(session) == ["from_a_program"]


def test_a_web_page_cannot_read_the_sandbox(session, sandbox):
    session.client("cognito-identity").create_identity_pool(IdentityPoolName="secret",
                                                            AllowUnauthenticatedIdentities=False)

    answer = send(sandbox, "GET", "/moto-api/data.json", headers={"Origin": "https://evil.example"})

    assert_refused(answer, FROM_A_WEB_PAGE)
    assert b"secret" not in answer[2]


def test_a_web_page_cannot_reset_the_sandbox(session, sandbox):
    session.client("cognito-identity").create_identity_pool(IdentityPoolName="kept",
                                                            AllowUnauthenticatedIdentities=False)

    assert_refused(send(sandbox, "POST", "/moto-api/reset", headers={"Origin": "https://evil.example"}),
                   FROM_A_WEB_PAGE)

    assert pool_names(session) == ["kept"]


def test_a_cors_preflight_is_refused_without_allowing_anything(sandbox):
    answer = send(sandbox, "OPTIONS", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-amz-target,content-type"})

    assert_refused(answer, FROM_A_WEB_PAGE)


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_request_a_page_makes_without_an_origin_is_refused(session, sandbox, site):
    # An <img> or <form> of another site: no Origin on a GET, but browsers say where it comes from.
    assert_refused(send(sandbox, "GET", "/moto-api/data.json", headers={"Sec-Fetch-Site": site}),
                   FROM_A_WEB_PAGE)
    assert_refused(create_pool(sandbox, "from_a_form", **{"Sec-Fetch-Site": site}), FROM_A_WEB_PAGE)

    assert pool_names(session) == []


def test_the_sandbox_own_pages_still_work_in_a_browser(sandbox):
    port = sandbox.endpoint_url.rsplit(":", 1)[1]
    # moto's dashboard (/moto-api/) fetches its data from its own origin.
    status, headers, _ = send(sandbox, "GET", "/moto-api/data.json", headers={"Sec-Fetch-Site": "same-origin"})
    assert status == 200
    status, headers, _ = send(sandbox, "GET", "/moto-api/data.json",
                              headers={"Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"})
    assert status == 200
    # Its own origin needs no CORS header: none is sent, not even to it.
    assert not [name for name in headers if name.startswith("access-control-")]


def test_typing_the_address_in_a_browser_still_works(sandbox):
    status, _, _ = send(sandbox, "GET", "/moto-api/data.json", headers={"Sec-Fetch-Site": "none"})
    assert status == 200


# --- Host header: DNS rebinding ----------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example:{port}",
                                  "localhost.evil.example", "sub.localhost:{port}", "10.0.0.1:{port}", ""])
def test_a_request_naming_another_host_changes_nothing(session, sandbox, host):
    port = sandbox.endpoint_url.rsplit(":", 1)[1]

    assert_refused(create_pool(sandbox, "rebound", host=host.format(port=port)), FOREIGN_HOST)
    assert_refused(send(sandbox, "GET", "/moto-api/data.json", host=host.format(port=port)), FOREIGN_HOST)

    assert pool_names(session) == []


def test_two_host_headers_are_refused(session, sandbox):
    port = sandbox.endpoint_url.rsplit(":", 1)[1]

    assert_refused(create_pool(sandbox, "rebound", host=f"127.0.0.1:{port}", Host="evil.example"), FOREIGN_HOST)

    assert pool_names(session) == []


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "127.0.0.1", "localhost:{port}", "LOCALHOST",
                                  "[::1]:{port}", "[::1]"])
def test_loopback_host_names_are_served(session, sandbox, host):
    port = sandbox.endpoint_url.rsplit(":", 1)[1]

    status, _, _ = create_pool(sandbox, "local", host=host.format(port=port))

    assert status == 200
    assert pool_names(session) == ["local"]


def test_boto3_is_served_as_before(session):
    identity = session.client("cognito-identity")
    made = identity.create_identity_pool(IdentityPoolName="boto3", AllowUnauthenticatedIdentities=False)
    assert identity.describe_identity_pool(IdentityPoolId=made["IdentityPoolId"])["IdentityPoolName"] == "boto3"
    assert session.client("sts").get_caller_identity()["Account"] == "123456789012"


def test_boto3_through_localhost_is_served(sandbox):
    port = sandbox.endpoint_url.rsplit(":", 1)[1]
    sts = boto3.client("sts", endpoint_url=f"http://localhost:{port}", region_name="us-east-2")
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_a_sandbox_on_ipv6_loopback_serves_boto3_and_refuses_web_pages():
    with sandbox_module.start(host="::1") as box:
        sts = boto3.client("sts", endpoint_url=box.endpoint_url, region_name="us-east-2")
        assert sts.get_caller_identity()["Account"] == "123456789012"
        assert_refused(send(box, "GET", "/moto-api/data.json", headers={"Origin": "https://evil.example"}),
                       FROM_A_WEB_PAGE)
        assert_refused(send(box, "GET", "/moto-api/data.json", host="evil.example"), FOREIGN_HOST)
        assert send(box, "GET", "/moto-api/data.json")[0] == 200


# --- The command: ports and regions ------------------------------------------------------------

def sandbox_command(*argv):
    """Run ``wildrydes-nb sandbox`` with ``argv``; it must end (with an error) within a minute."""
    return subprocess.run([sys.executable, "-m", "wildrydes_nb.cli", "sandbox", *argv], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_sandbox_codes_prints_the_code_a_sign_up_was_sent(session, sandbox):
    sandbox.reset()
    idp = session.client("cognito-idp")
    user_pool_id = idp.create_user_pool(PoolName="WildRydes", AliasAttributes=["email"],
                                        AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=user_pool_id, ClientName="web")["UserPoolClient"]["ClientId"]
    idp.sign_up(ClientId=client_id, Username="alice|example|com", Password="Wild-Rydes-1234",
                UserAttributes=[{"Name": "email", "Value": "alice@example.com"}])

    done = sandbox_command("codes", "--endpoint-url", sandbox.endpoint_url)

    assert done.returncode == 0, done.stderr
    code, rest = done.stdout.strip().split("  ", 1)
    assert code.isdigit() and len(code) == 6
    assert rest == f"for alice|example|com in {user_pool_id} (sent by EMAIL to alice@example.com)"
    idp.confirm_sign_up(ClientId=client_id, Username="alice|example|com", ConfirmationCode=code)
    assert sandbox_command("codes", "--endpoint-url", sandbox.endpoint_url).stdout.startswith("No confirmation codes")


@pytest.mark.parametrize("endpoint", ["http://example.com", "http://127.0.0.1:9"], ids=["not-loopback", "nothing"])
def test_sandbox_codes_says_plainly_where_no_sandbox_answers(endpoint):
    done = sandbox_command("codes", "--endpoint-url", endpoint)

    assert done.returncode == EXIT_INPUT and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: --endpoint-url: ") and len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize("port", ["99999", "65536", "-1", "٥٠٠٠"])
def test_sandbox_refuses_a_port_out_of_range(port, capsys):
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["sandbox", "--port", port])

    assert stopped.value.code == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (f"wildrydes-nb sandbox: error: argument --port: '{port}' is not a port: "
                                    "give a number from 1 to 65535, or 0 for any free port")


def test_sandbox_refuses_a_region_without_cognito():
    # In a process of its own: a sandbox that accepted the region would serve until stopped.
    done = sandbox_command("--region", "xx-fake-9")

    assert (done.returncode, done.stdout) == (EXIT_INPUT, "")
    assert done.stderr == ("error: --region: 'xx-fake-9' is not a region where AWS offers Cognito Identity. "
                           "Fix: Use a region code where the workshop runs, such as us-east-2.\n")


@pytest.mark.parametrize("region", ["us-east-٢", "Ohio"])
def test_sandbox_refuses_what_is_not_a_region_code(region, capsys):
    assert main(["sandbox", "--region", region]) == EXIT_INPUT

    assert capsys.readouterr() == ("", f"error: --region: '{region}' is not an AWS region code. Fix: Use a region "
                                       "code such as us-east-2 (not a name like 'Ohio').\n")


@pytest.mark.parametrize("seconds", ["-1", "nan", "inf", "5s", "٥"])
def test_sandbox_refuses_an_iam_delay_that_is_not_seconds(seconds, capsys):
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["sandbox", "--iam-delay", seconds])

    assert stopped.value.code == EXIT_INPUT
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"wildrydes-nb sandbox: error: argument --iam-delay: '{seconds}' is not a number of seconds: "
        "give 0 or more, e.g. 5")


def test_start_refuses_a_port_out_of_range_and_a_region_without_cognito():
    with pytest.raises(ValueError, match=r"^port 99999 is not a TCP port: give 1 to 65535, or 0 for any free port$"):
        sandbox_module.start(port=99999)
    # The sandbox stands alone (no workbook errors): a plain ValueError; the command line's
    # --region check says it in the workbook's words (test above).
    with pytest.raises(ValueError, match=r"^'xx-fake-9' is not a region where AWS offers Cognito Identity$"):
        sandbox_module.start(region="xx-fake-9")


def test_sandbox_on_a_taken_port_is_one_clear_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        done = sandbox_command("--port", str(port))

    assert (done.returncode, done.stdout) == (EXIT_INPUT, "")
    assert done.stderr == (f"error: --port: port {port} on 127.0.0.1 is taken: another program listens there. "
                           "Fix: Stop that program, choose another port with --port, or leave --port out "
                           "to take any free port.\n")


JSON_TARGET = "AWSCognitoIdentityService.ListIdentityPools"


@pytest.mark.parametrize("body, message", [
    (b"{", "The request body is not valid JSON."),
    (b"[1, 2]", "Start of list or value found where a structure was expected."),
    (b'"a string"', "Start of list or value found where a structure was expected."),
    (b"[" * 5000 + b"]" * 5000, "The request body is nested deeper than 32 levels."),
    (b"\xff\xfe{}", "The request body is not valid UTF-8."),
    (b'{"MaxResults": NaN}', "NaN is not a JSON value."),
    (b'{"MaxResults": ' + b"9" * 5000 + b"}", "The request body is not valid JSON."),
    (b'{"MaxResults": 99999999999}', "The number at 'ListIdentityPools.MaxResults' is out of range."),
    (b'{"MaxResults": "10"}', "Expected a whole number at 'ListIdentityPools.MaxResults', found a string."),
    (b'{"MaxResults": true}', "Expected a whole number at 'ListIdentityPools.MaxResults', found a boolean."),
], ids=["cut", "list", "string", "deep", "not-utf8", "nan", "5000-digits", "out-of-range", "string-number", "bool"])
def test_a_malformed_json_request_is_a_400_serialization_exception_not_a_500(sandbox, body, message):
    status, headers, answer = send(sandbox, "POST", "/", body=body, headers={
        "X-Amz-Target": JSON_TARGET, "Content-Type": "application/x-amz-json-1.1"})
    assert status == 400 and headers["x-amzn-errortype"] == "SerializationException"
    assert json.loads(answer) == {"__type": "SerializationException", "message": message}


def test_a_member_of_the_wrong_type_is_refused_for_user_pools_too(sandbox):
    status, _, answer = send(sandbox, "POST", "/", body=b'{"UserPoolId": ["x"], "Username": "u"}', headers={
        "X-Amz-Target": "AWSCognitoIdentityProviderService.AdminGetUser",
        "Content-Type": "application/x-amz-json-1.1"})
    assert status == 400 and "Expected string at 'AdminGetUser.UserPoolId', found a list." in answer.decode()


def test_moto_lets_through_unchecked_what_botocore_sends_unsigned():
    """With IAM enforced (tests/test_policy.py), the web app's sign-in and credentials calls pass
    as in AWS, where moto's own list missed them."""
    from moto.core.authorization import ActionAuthenticatorMixin

    sandbox_module.install()
    public = ActionAuthenticatorMixin.PUBLIC_OPERATIONS
    assert {"AWSCognitoIdentityProviderService.RespondToAuthChallenge",
            "AWSCognitoIdentityService.GetCredentialsForIdentity"} <= set(public)
    assert "AWSCognitoIdentityService.CreateIdentityPool" not in public
    assert len(public) == len(set(public))  # installing twice adds nothing


@pytest.mark.parametrize("target, code, status", [("AWSCognitoIdentityService.CreateIdentityPool",
                                                   "AccessDeniedException", 400), (None, "AccessDenied", 403)])
def test_a_refusal_of_a_json_request_is_answered_in_json(target, code, status):
    from moto.core.exceptions import AccessDeniedError

    from wildrydes_nb.sandbox.authorization import _authorize_in_json_where_asked_in_json

    def moto_refuses(request, resource):
        raise AccessDeniedError(user_arn="arn:aws:iam::123456789012:user/learner", action="cognito-identity:X")

    request = type("Request", (), {"headers": {"X-Amz-Target": target} if target else {}})()
    with pytest.raises(Exception) as refused:
        _authorize_in_json_where_asked_in_json(moto_refuses)(request)
    assert (refused.value.error_type, refused.value.code) == (code, status)
    if target:
        assert json.loads(refused.value.description) == {
            "__type": code, "message": "User: arn:aws:iam::123456789012:user/learner is not authorized to "
                                       "perform: cognito-identity:X"}


# --- The query protocol (IAM, STS): malformed requests are AWS's 4xx, never a 500 ------------------

IAM = b"Version=2010-05-08&"
STS = b"Version=2011-06-15&"
NAN_DURATION = b"Action=AssumeRoleWithWebIdentity&RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=s" \
               b"&WebIdentityToken=a.b.c&DurationSeconds=NaN"


@pytest.mark.parametrize("body, status, code, message", [
    (IAM + b"Action=ListRoles&MaxItems=abc", 400, "ValidationError", "Value 'abc' at 'MaxItems' is not a whole number."),
    (IAM + b"Action=ListRoles&MaxItems=NaN", 400, "ValidationError", "Value 'NaN' at 'MaxItems' is not a whole number."),
    (IAM + b"Action=ListRoles&MaxItems=99999999999", 400, "ValidationError",
     "Value '99999999999' at 'MaxItems' is out of range."),
    (IAM + b"Action=ListRoles&MaxItems=0", 400, "ValidationError", "1 validation error detected: Value '0' at "
     "'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"),
    (IAM + b"Action=ListRoles&Marker=zzz", 400, "ValidationError",
     "The marker is not one that an earlier page of this listing returned."),
    (IAM + b"Action=CreateRole&RoleName=r", 400, "ValidationError", "1 validation error detected: Value null at "
     "'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null"),
    (IAM + b"Action=TagRole&RoleName=r&Tags.member.1.Key=a&Tags.member.99999999999.Value=b", 400,
     "ValidationError", "'Tags.member.99999999999' is not an item number from 1 to 1000."),
    (IAM + b"Action=TagRole&RoleName=r&Tags.member.1.Key=a", 400, "ValidationError", "1 validation error detected: "
     "Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"),
    (IAM + b"Action=NoSuchThing", 400, "InvalidAction", "Could not find operation NoSuchThing for version 2010-05-08"),
    (IAM + b"RoleName=r", 400, "MissingAction", "The request is missing an action or a required parameter."),
    (IAM + b"Action=GetRole&RoleName=\xff\xfe", 404, "MalformedQueryString", "The query string contains a syntax error."),
    (STS + NAN_DURATION, 400, "ValidationError", "Value 'NaN' at 'DurationSeconds' is not a whole number."),
    (STS + b"Action=AssumeRoleWithWebIdentity&RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=ss", 400,
     "ValidationError", "1 validation error detected: Value null at 'webIdentityToken' failed to satisfy constraint: "
     "Member must not be null"),
], ids=["letters", "nan", "huge", "below-range", "foreign-marker", "missing-member", "huge-index", "item-missing-member",
        "unknown-action", "no-action", "not-utf8", "sts-nan", "sts-missing-token"])
def test_a_malformed_query_request_is_answered_as_aws_does_not_with_a_500(sandbox, body, status, code, message):
    answer_status, headers, answer = send(sandbox, "POST", "/", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})

    assert answer_status == status and headers["content-type"].startswith("text/xml")
    error = ElementTree.fromstring(answer).find("{*}Error")
    assert (error.findtext("{*}Code"), error.findtext("{*}Message")) == (code, message)


def test_boto3_reads_a_query_refusal_as_the_aws_error(session):
    from botocore.config import Config
    from botocore.exceptions import ClientError

    iam = session.client("iam", config=Config(parameter_validation=False, retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as refused:
        iam.list_roles(MaxItems=0)
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("value, message", [
    ("xx-fake-9", "'xx-fake-9' is not a region where AWS offers Cognito Identity: give REGION or REGION=PORT, "
                  "e.g. us-west-2=4567"),
    ("us-west-2=99999", "'99999' is not a port: give a number from 1 to 65535, or 0 for any free port"),
], ids=["region", "port"])
def test_sandbox_refuses_a_region_port_it_cannot_serve(value, message, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sandbox", "--region-port", value])
    assert capsys.readouterr().err.splitlines()[-1] == f"wildrydes-nb sandbox: error: argument --region-port: {message}"


def test_sandbox_prints_the_port_of_each_region_it_was_asked_for():
    process = subprocess.Popen([sys.executable, "-m", "wildrydes_nb.cli", "sandbox", "--region-port", "us-west-2"],
                               stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines = [process.stdout.readline() for _ in range(8)]
        [line] = [line for line in lines if line.startswith("# us-west-2")]
        west = boto3.client("cognito-identity", region_name="us-west-2", endpoint_url=line.rsplit(" ", 1)[1].strip(),
                            aws_access_key_id="t", aws_secret_access_key="t")
        assert west.list_identity_pools(MaxResults=1)["IdentityPools"] == []
    finally:
        process.terminate()
        process.wait(timeout=30)


# --- An allowed origin (--allow-origin): the Cognito APIs as AWS's endpoints open them, nothing more --------

APP = "http://localhost:8080"


@pytest.fixture
def allowing(session, sandbox):
    """A second server on the same state, allowing the web app's origin."""
    sandbox.reset()
    with sandbox_module.start(allow_origins=[APP]) as box:
        yield box


def from_the_app(**headers):
    return {"Origin": APP, "Sec-Fetch-Site": "cross-site", "Referer": f"{APP}/index.html", **headers}


def test_an_allowed_origin_gets_its_preflight_answered(allowing):
    status, headers, _ = send(allowing, "OPTIONS", headers=from_the_app(**{
        "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-amz-target"}))

    assert status == 200
    assert headers["access-control-allow-origin"] == APP and headers["access-control-allow-methods"] == "POST"
    assert headers["access-control-allow-headers"] == "content-type,x-amz-target" and headers["vary"] == "Origin"


def test_an_allowed_origin_calls_cognito_and_may_read_the_answer(session, allowing):
    status, headers, body = create_pool(allowing, "from_the_web_app", **from_the_app())

    assert status == 200 and json.loads(body)["IdentityPoolName"] == "from_the_web_app"
    assert headers["access-control-allow-origin"] == APP and "x-amzn-RequestId" in headers[
        "access-control-expose-headers"]
    assert pool_names(session) == ["from_the_web_app"]


@pytest.mark.parametrize("origin", ["http://localhost:8081", "https://localhost:8080", "https://evil.example"])
def test_other_origins_stay_refused(session, allowing, origin):
    assert_refused(create_pool(allowing, "from_a_page", **from_the_app(Origin=origin)), FROM_A_WEB_PAGE)
    assert_refused(send(allowing, "OPTIONS", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}),
                   FROM_A_WEB_PAGE)
    assert pool_names(session) == []


@pytest.mark.parametrize("method, path", [("GET", "/moto-api/data.json"), ("POST", "/moto-api/reset"),
                                          ("GET", "/wildrydes-sandbox/codes"), ("OPTIONS", "/moto-api/reset")],
                         ids=["moto-data", "moto-reset", "codes", "preflight-reset"])
def test_an_allowed_origin_gets_nothing_but_the_cognito_apis(session, allowing, method, path):
    session.client("cognito-identity").create_identity_pool(IdentityPoolName="kept",
                                                            AllowUnauthenticatedIdentities=False)

    answer = send(allowing, method, path, headers=from_the_app(**{"Access-Control-Request-Method": "POST"}))

    assert_refused(answer, FROM_A_WEB_PAGE)
    assert b"kept" not in answer[2] and pool_names(session) == ["kept"]


def test_an_allowed_origin_cannot_call_iam(session, allowing):
    body = b"Action=CreateRole&Version=2010-05-08&RoleName=from_a_page&AssumeRolePolicyDocument=%7B%7D"

    answer = send(allowing, "POST", "/", body=body, headers=from_the_app(**{
        "Content-Type": "application/x-www-form-urlencoded"}))

    assert_refused(answer, FROM_A_WEB_PAGE)
    assert session.client("iam").list_roles()["Roles"] == []


def test_an_allowed_origin_under_another_host_name_is_refused(session, allowing):
    assert_refused(create_pool(allowing, "rebound", host="localhost.evil.example:80", **from_the_app()), FOREIGN_HOST)
    assert pool_names(session) == []


@pytest.mark.parametrize("value", ["localhost:8080", "http://localhost:8080/app", "ftp://localhost", "*"])
def test_sandbox_refuses_an_allow_origin_that_is_not_an_origin(value, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sandbox", "--allow-origin", value])
    assert f"argument --allow-origin: '{value}' is not an origin" in capsys.readouterr().err


def test_a_taken_region_port_is_one_clear_line_naming_that_flag():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        done = sandbox_command("--region-port", f"us-west-2={port}")

    assert (done.returncode, done.stdout) == (EXIT_INPUT, "")
    assert done.stderr == (f"error: port {port} on 127.0.0.1 is taken: another program listens there. "
                           "Fix: Stop that program, choose another port with --region-port us-west-2=PORT, "
                           "or leave =PORT out to take any free port.\n")
