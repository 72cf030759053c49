"""The sandbox's network: a fixed delay on every request, and Cognito's and IAM's request-rate quotas."""

import io
import json
import threading
import time
from urllib.parse import urlencode

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from werkzeug.test import Client

from wildrydes_nb.sandbox import network, quotas

SIGNED = "AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0"
ONE_TRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})


@pytest.fixture
def settings():
    """Restore the process-wide latency and quotas after the test."""
    latency, limits = network.get_latency(), network.get_quotas()
    yield
    network.set_latency(latency)
    network.set_quotas(limits)


@pytest.fixture
def clock(monkeypatch):
    """The buckets' clock, moved on by hand: ``clock.now += 1``."""

    class Clock:
        now = 1000.0

        def __call__(self):
            return self.now

    fake = Clock()
    monkeypatch.setattr(quotas, "clock", fake)
    return fake


class Echo:
    """A tiny WSGI app standing in for moto: answers 200 with the body it was sent."""

    def __init__(self):
        self.bodies = []

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        self.bodies.append(body)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]


def cognito(client, operation, body=None, *, service="AWSCognitoIdentityService", region="us-east-2",
            signed=True):
    headers = {"X-Amz-Target": f"{service}.{operation}", "Content-Type": "application/x-amz-json-1.1"}
    if signed:
        scope = "cognito-identity" if service == "AWSCognitoIdentityService" else "cognito-idp"
        headers["Authorization"] = SIGNED.format(region=region, service=scope)
    return client.post("/", data=json.dumps(body or {}), headers=headers)


def error(answer):
    return json.loads(answer.get_data())


def iam(client, action):
    return client.post("/", data=urlencode({"Action": action, "Version": "2010-05-08"}),
                       headers={"Authorization": SIGNED.format(region="us-east-1", service="iam"),
                                "Content-Type": "application/x-www-form-urlencoded"})


def test_latency_delays_every_request_and_then_passes_it_on(settings):
    app = Echo()
    client = Client(network.wrap(app))
    network.set_latency(0.05)
    started = time.monotonic()
    answer = cognito(client, "ListIdentityPools", {"MaxResults": 60})
    assert time.monotonic() - started >= 0.05
    assert answer.status_code == 200 and app.bodies == [b'{"MaxResults": 60}']
    assert network.set_latency(0) == 0.05
    started = time.monotonic()
    client.get("/moto-api/data.json")
    assert time.monotonic() - started < 0.05


@pytest.mark.parametrize("value, error", [(-1, ValueError), (float("nan"), ValueError), ("1", TypeError),
                                          (True, TypeError)])
def test_latency_must_be_seconds(settings, value, error):
    with pytest.raises(error, match="the latency must be"):
        network.set_latency(value)


def test_quota_refuses_the_request_over_it_as_cognito_does_until_a_second_passed(settings, clock):
    client = Client(network.wrap(Echo()))
    network.set_quotas({"ListIdentityPools": 1})
    assert cognito(client, "ListIdentityPools").status_code == 200
    refused = cognito(client, "ListIdentityPools")
    assert refused.status_code == 400
    assert error(refused) == {"__type": "TooManyRequestsException", "message": "Rate exceeded"}
    assert refused.headers["x-amzn-ErrorType"] == "TooManyRequestsException:"
    assert cognito(client, "DescribeIdentityPool").status_code == 200  # another operation, its own quota
    clock.now += 1
    assert cognito(client, "ListIdentityPools").status_code == 200


def test_quotas_are_kept_per_account_and_region(settings, clock, monkeypatch):
    client = Client(network.wrap(Echo()))
    network.set_quotas({"CreateIdentityPool": 1})
    assert cognito(client, "CreateIdentityPool", region="us-east-2").status_code == 200
    assert cognito(client, "CreateIdentityPool", region="us-east-2").status_code == 400
    assert cognito(client, "CreateIdentityPool", region="eu-west-1").status_code == 200
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111122223333")
    assert cognito(client, "CreateIdentityPool", region="us-east-2").status_code == 200


def test_unsigned_calls_count_in_the_region_their_ids_name(settings, clock):
    client = Client(network.wrap(Echo()))
    network.set_quotas({"GetId": 1})
    get_id = {"IdentityPoolId": "us-east-2:0f4c7d3e-1111-2222-3333-444455556666"}
    assert cognito(client, "GetId", get_id, signed=False).status_code == 200
    assert error(cognito(client, "GetId", get_id, signed=False))["__type"] == "TooManyRequestsException"
    other = {"IdentityPoolId": "us-west-2:0f4c7d3e-1111-2222-3333-444455556666"}
    assert cognito(client, "GetId", other, signed=False).status_code == 200


def test_aws_defaults_for_identity_pools(settings, clock):
    client = Client(network.wrap(Echo()))
    network.set_quotas(True)
    answers = [cognito(client, "GetId", signed=False, body={"IdentityPoolId": "us-east-2:1"}).status_code
               for _ in range(26)]
    assert answers == [200] * 25 + [400]  # AWS's 25 RPS for GetId
    answers = [cognito(client, "ListIdentityPools").status_code for _ in range(6)]
    assert answers == [200] * 5 + [400]  # assumed: 5 RPS


def test_user_pool_operations_share_their_category(settings, clock):
    client = Client(network.wrap(Echo()))
    network.set_quotas({"UserCreation": 1})
    user_pools = "AWSCognitoIdentityProviderService"
    assert cognito(client, "AdminCreateUser", service=user_pools).status_code == 200
    refused = cognito(client, "SignUp", service=user_pools)
    assert refused.status_code == 400 and error(refused)["message"] == "Rate exceeded"
    assert cognito(client, "AdminSetUserPassword", service=user_pools).status_code == 200  # UserAccountRecovery


def test_user_pool_client_reads_are_also_limited_per_user_pool(settings, clock):
    client = Client(network.wrap(Echo()))
    network.set_quotas(True)
    user_pools = "AWSCognitoIdentityProviderService"
    answers = [cognito(client, "DescribeUserPoolClient", {"UserPoolId": "us-east-2_aaa"},
                       service=user_pools).status_code for _ in range(6)]
    assert answers == [200] * 5 + [400]  # 5 RPS per user pool, below the category's 15
    assert cognito(client, "DescribeUserPoolClient", {"UserPoolId": "us-east-2_bbb"},
                   service=user_pools).status_code == 200


def test_iam_throttles_with_its_xml_error(settings, clock):
    client = Client(network.wrap(Echo()))
    network.set_quotas({"IAM write": 1})
    assert iam(client, "CreateRole").status_code == 200
    refused = iam(client, "UpdateAssumeRolePolicy")
    assert refused.status_code == 400 and refused.headers["Content-Type"] == "text/xml"
    text = refused.get_data(as_text=True)
    assert "<Code>Throttling</Code>" in text and "<Message>Rate exceeded</Message>" in text
    assert "<Type>Sender</Type>" in text
    assert iam(client, "GetRole").status_code == 200  # reads have their own quota


def test_no_quotas_by_default_and_none_on_the_sandbox_api(settings, clock):
    client = Client(network.wrap(Echo()))
    network.set_quotas(None)
    assert {cognito(client, "ListIdentityPools").status_code for _ in range(20)} == {200}
    network.set_quotas({"ListIdentityPools": 1})
    assert {client.post("/moto-api/reset").status_code for _ in range(3)} == {200}


def test_quota_rates_must_be_positive(settings):
    with pytest.raises(ValueError, match="the quota for GetId must be a positive number"):
        network.set_quotas({"GetId": 0})


def test_body_reaches_moto_whole_when_quotas_read_it(settings, clock):
    app = Echo()
    network.set_quotas(True)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "CONTENT_LENGTH": "17",
               "wsgi.input": io.BytesIO(b'{"MaxResults": 5}'), "HTTP_X_AMZ_TARGET": "AWSCognitoIdentityService.X"}
    network.wrap(app)(environ, lambda *_: None)
    assert app.bodies == [b'{"MaxResults": 5}']


# Against the sandbox server, through boto3.

def test_sandbox_server_throttles_as_boto3_sees_aws_do_it(sandbox, session, settings):
    network.set_quotas({"ListIdentityPools": 1, "IAM read": 1})
    identity = session.client("cognito-identity", config=ONE_TRY)
    identity.list_identity_pools(MaxResults=60)
    with pytest.raises(ClientError) as caught:
        identity.list_identity_pools(MaxResults=60)
    error = caught.value.response
    assert (error["Error"]["Code"], error["Error"]["Message"]) == ("TooManyRequestsException", "Rate exceeded")
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    iam_client = session.client("iam", config=ONE_TRY)
    iam_client.list_roles()
    with pytest.raises(ClientError) as caught:
        iam_client.list_roles()
    assert (caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]) == \
        ("Throttling", "Rate exceeded")


def test_sandbox_server_requests_wait_side_by_side(sandbox, session, settings):
    network.set_latency(0.2)
    identity = session.client("cognito-identity")
    identity.list_identity_pools(MaxResults=60)  # connection and service model ready
    started = time.monotonic()
    threads = [threading.Thread(target=identity.list_identity_pools, kwargs={"MaxResults": 60}) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 0.2 <= time.monotonic() - started < 0.6  # four at once take one delay, not four


def test_start_sets_latency_and_quotas_for_the_process(settings):
    from wildrydes_nb import sandbox as sandbox_module

    with sandbox_module.start(latency_ms=30, quotas=True) as box:
        assert network.get_latency() == 0.03 and network.get_quotas() == {}
        client = boto3.client("cognito-identity", endpoint_url=box.endpoint_url, region_name="us-east-2",
                              config=ONE_TRY)
        started = time.monotonic()
        client.list_identity_pools(MaxResults=60)
        assert time.monotonic() - started >= 0.03


def test_sandbox_command_takes_latency_and_quotas():
    import os
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "wildrydes_nb.cli", "sandbox", "--latency", "100", "--quotas"],
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines = [proc.stdout.readline() for _ in range(6)]
        env = dict(line.removeprefix("export ").strip().split("=", 1) for line in lines if line.startswith("export "))
        identity = boto3.client("cognito-identity", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-2",
                                config=ONE_TRY)
        started = time.monotonic()
        identity.list_identity_pools(MaxResults=60)
        assert time.monotonic() - started >= 0.1
        codes = []

        def list_pools():
            try:
                identity.list_identity_pools(MaxResults=60)
            except ClientError as err:
                codes.append(err.response["Error"]["Code"])

        # Assumed 5 RPS for ListIdentityPools: of eight at once, some are refused.
        threads = [threading.Thread(target=list_pools) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert codes and set(codes) == {"TooManyRequestsException"}
    finally:
        proc.terminate()
        proc.wait(10)


def test_sandbox_command_refuses_a_latency_that_is_not_milliseconds():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "wildrydes_nb.cli", "sandbox", "--latency", "-5"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "argument --latency: '-5' is not a number of milliseconds: give 0 or more, e.g. 100" in done.stderr
