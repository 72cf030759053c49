"""Odd endpoints and regions end in one clear line, quickly: HTML pages, bad URLs, silence.

Each endpoint here is a real socket on 127.0.0.1 started by the test, so botocore sends,
parses and retries exactly as it would against a proxy, a captive portal or a dead server.
"""

import http.server
import os
import socket
import subprocess
import sys
import threading
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from wildrydes_nb import aws, roles
from wildrydes_nb.aws import make_session, new_session
from wildrydes_nb.errors import WildrydesError
from wildrydes_nb.identity_pool import check_prerequisites, find_identity_pools
from wildrydes_nb.inputs import check_step_input

REGION = "us-east-2"
USER_POOL_ID = f"{REGION}_AbC123xyz"
APP_CLIENT_ID = "abcdefghijklmnopqrstuvwxyz"
PAGE = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><h1>Welcome</h1></body></html>"


class _Page(http.server.BaseHTTPRequestHandler):
    """Answers every request with the server's status and an HTML page, as a portal or proxy does."""

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.server.requests += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(self.server.status)
        if self.server.status == 302:
            self.send_header("Location", "http://127.0.0.1:1/login")
        body, kind = self.server.body
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *_):
        pass


@pytest.fixture
def html_endpoint():
    """Start a loopback server answering HTML with a given status; returns (url, server)."""
    servers = []

    def start(status: int, body: bytes = PAGE, content_type: str = "text/html; charset=utf-8"):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
        server.status, server.body, server.requests = status, (body, content_type), 0
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def silent_endpoint():
    """A loopback socket that accepts connections and never answers; returns its URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def session_at(monkeypatch, endpoint_url: str, region: str = REGION) -> boto3.Session:
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint_url)
    return new_session(region_name=region)


CALLS = {"cognito-identity": lambda s: find_identity_pools(s, "wildrydes_identity_pool"),
         "cognito-idp": lambda s: check_prerequisites(s, check_step_input(REGION, USER_POOL_ID, APP_CLIENT_ID)),
         "iam": lambda s: roles.get_role(s, "Cognito_wildrydes_identity_poolAuth_Role")}


@pytest.mark.parametrize("status", [200, 302, 403, 500, 503])
@pytest.mark.parametrize("service", sorted(CALLS))
def test_an_endpoint_answering_html_is_named_and_not_retried(monkeypatch, html_endpoint, status, service):
    url, server = html_endpoint(status)
    session = session_at(monkeypatch, url)
    start = time.monotonic()
    with pytest.raises(WildrydesError) as caught:
        CALLS[service](session)
    assert time.monotonic() - start < 5
    err = caught.value
    assert err.field == "endpoint"
    assert err.problem.startswith(f"the endpoint {url} answered HTTP {status} with a web page (HTML), not AWS, "
                                  "when asked to ")
    assert "AWS_ENDPOINT_URL" in err.fix and "\n" not in str(err)
    # A web page is not a passing AWS hiccup: retrying it only makes the learner wait. (The
    # prerequisites are two reads sent at once, the user pool and its app client: one try each.)
    assert server.requests == (2 if service == "cognito-idp" else 1)


def test_an_answer_with_only_a_status_is_named(monkeypatch, html_endpoint):
    url, _server = html_endpoint(302, b"", "text/plain")
    with pytest.raises(WildrydesError) as caught:
        find_identity_pools(session_at(monkeypatch, url), "x")
    assert caught.value.field == "endpoint"
    assert caught.value.problem == "the endpoint answered HTTP 302 without an AWS error when asked to list identity pools."


def test_an_internal_error_of_aws_is_retried_then_said(monkeypatch, html_endpoint):
    monkeypatch.setattr(aws, "CLIENT_CONFIG", aws.CLIENT_CONFIG.merge(Config(retries={"mode": "standard",
                                                                                      "max_attempts": 1})))
    url, server = html_endpoint(500, b'{"__type": "InternalErrorException", "message": "Internal error"}',
                                "application/x-amz-json-1.1")
    with pytest.raises(WildrydesError) as caught:
        find_identity_pools(session_at(monkeypatch, url), "x")
    assert server.requests == 2
    assert caught.value.problem == ("AWS kept failing with InternalErrorException (Internal error) when asked to "
                                    "list identity pools, even after retries.")
    assert caught.value.fix == "This is on AWS's side: wait a minute and run it again; it is safe to re-run."


@pytest.mark.parametrize("endpoint_url, why", [
    ("notaurl", "is not an http:// or https:// URL"),
    ("http://", "is not an http:// or https:// URL"),
    ("ftp://127.0.0.1:5000", "is not an http:// or https:// URL"),
    ("http://127.0.0.1:99999", "has a port out of range (0-65535)"),
])
def test_a_malformed_endpoint_url_says_where_it_comes_from(monkeypatch, endpoint_url, why):
    session = session_at(monkeypatch, endpoint_url)
    with pytest.raises(WildrydesError) as caught:
        find_identity_pools(session, "wildrydes_identity_pool")
    err = caught.value
    assert err.field == "endpoint"
    assert err.problem == f"the endpoint URL '{endpoint_url}' (from AWS_ENDPOINT_URL) {why}."
    assert err.fix == ("Set AWS_ENDPOINT_URL to a URL such as http://127.0.0.1:5000 (the sandbox prints it), "
                       "or unset it to use AWS.")


def test_a_service_endpoint_variable_is_named_when_it_is_the_bad_one(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY", "http://[::1")
    with pytest.raises(WildrydesError) as caught:
        find_identity_pools(new_session(region_name=REGION), "wildrydes_identity_pool")
    assert caught.value.problem == ("the endpoint URL 'http://[::1' (from AWS_ENDPOINT_URL_COGNITO_IDENTITY) "
                                    "is not an http:// or https:// URL.")


def test_a_region_no_aws_service_knows_is_named_against_the_sandbox(sandbox):
    session = new_session(region_name="xx-fake-9")
    start = time.monotonic()
    with pytest.raises(WildrydesError) as caught:
        find_identity_pools(session, "wildrydes_identity_pool")
    assert time.monotonic() - start < 5
    err = caught.value
    assert err.field == "region"
    assert err.problem == ("'xx-fake-9' is not a region where AWS offers Cognito Identity (the endpoint "
                           f"{sandbox.endpoint_url} answered HTTP 500 when asked to list identity pools).")
    assert err.fix == ("Use a region code where your user pool is, such as us-east-2; the workshop uses "
                       "us-east-1, us-east-2, us-west-2, eu-west-1 or ap-southeast-1.")


def test_a_region_no_aws_service_knows_is_named_when_aws_cannot_be_reached(session, monkeypatch):
    # In real AWS an unknown region has no DNS name: botocore cannot connect.
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    unknown = new_session(region_name="xx-fake-9")
    idp = aws.client(unknown, "cognito-idp")

    def no_such_host(request, **_):
        raise EndpointConnectionError(endpoint_url=request.url)

    idp.meta.events.register("before-send.cognito-idp", no_such_host)
    with pytest.raises(WildrydesError) as caught:
        check_prerequisites(unknown, check_step_input("xx-fake-9", "xx-fake-9_AbC123xyz", APP_CLIENT_ID))
    assert caught.value.field == "region"
    assert caught.value.problem == ("'xx-fake-9' is not a region where AWS offers Cognito Identity Provider "
                                    "(https://cognito-idp.xx-fake-9.amazonaws.com/ cannot be reached "
                                    "when asked to read the user pool).")


def test_a_known_region_that_cannot_be_reached_is_the_network(session, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    here = new_session(region_name=REGION)

    def no_network(request, **_):
        raise EndpointConnectionError(endpoint_url=request.url)

    aws.client(here, "cognito-identity").meta.events.register("before-send.cognito-identity", no_network)
    with pytest.raises(WildrydesError) as caught:
        find_identity_pools(here, "x")
    assert caught.value.field == "endpoint"
    assert caught.value.problem == ("cannot reach the AWS endpoint to list identity pools "
                                    f"(https://cognito-identity.{REGION}.amazonaws.com/).")


def test_a_region_with_a_non_ascii_digit_is_refused_before_any_call(session):
    with pytest.raises(WildrydesError) as caught:
        find_identity_pools(make_session(region="us-east-\u0662"), "x")
    assert caught.value.field == "region"
    assert caught.value.problem == "'us-east-\u0662' is not an AWS region code."


def test_an_endpoint_that_never_answers_fails_within_the_timeouts(monkeypatch, silent_endpoint):
    monkeypatch.setattr(aws, "CLIENT_CONFIG", aws.CLIENT_CONFIG.merge(Config(connect_timeout=0.5,
                                                                             read_timeout=0.5)))
    session = session_at(monkeypatch, silent_endpoint)
    start = time.monotonic()
    with pytest.raises(WildrydesError) as caught:
        find_identity_pools(session, "x")
    elapsed = time.monotonic() - start
    # Two attempts of 0.5 s and one short back-off, not botocore's five attempts.
    assert elapsed < 0.5 * aws.CONNECTION_ATTEMPTS + 2.5
    err = caught.value
    assert err.field == "endpoint"
    assert err.problem == (f"the endpoint {silent_endpoint} accepted the connection but did not answer within "
                           f"0.5 s ({aws.CONNECTION_ATTEMPTS} tries) when asked to list identity pools.")
    assert err.fix == ("Check your network or proxy; for the sandbox, check it is still running "
                       "(restart it if it hangs). Running again is safe.")


def test_the_default_timeouts_give_up_in_about_30_seconds():
    config = aws.CLIENT_CONFIG
    assert 25 <= aws.CONNECTION_ATTEMPTS * config.read_timeout <= 35
    assert config.connect_timeout <= config.read_timeout


def run_cli(endpoint_url: str, tmp_path) -> subprocess.CompletedProcess:
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint_url)
    return subprocess.run([sys.executable, "-m", "wildrydes_nb.cli", "identity-pool", "--region", REGION,
                           "--user-pool-id", USER_POOL_ID, "--app-client-id", APP_CLIENT_ID,
                           "--scratchpad", str(tmp_path / "pad.json")],
                          env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("status", [200, 500])
def test_the_cli_says_one_line_for_an_html_endpoint(html_endpoint, tmp_path, status):
    url, _server = html_endpoint(status)
    done = run_cli(url, tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"error: endpoint: the endpoint {url} answered HTTP {status} with a web page")


def test_the_cli_says_one_line_for_a_malformed_endpoint(tmp_path):
    done = run_cli("notaurl", tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr == ("error: endpoint: the endpoint URL 'notaurl' (from AWS_ENDPOINT_URL) is not an http:// "
                           "or https:// URL. "
                           "Fix: Set AWS_ENDPOINT_URL to a URL such as http://127.0.0.1:5000 (the sandbox prints "
                           "it), or unset it to use AWS.\n")
