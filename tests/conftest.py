"""Test set-up: dummy credentials, a loopback-only network guard, and a sandbox for the session.

The environment is set at import time, before any test or kernel starts, so notebooks run by
nbval or papermill inherit it. Nothing here can reach real AWS: every HTTP request that would
leave the process must go to a loopback address, or the test fails.
"""

import os
import tempfile
from urllib.parse import urlsplit

import botocore.httpsession
import pytest

from wildrydes_nb.errors import UnsafeEndpointError
from wildrydes_nb.sandbox import is_loopback

REGION = "us-east-2"
_home = tempfile.mkdtemp(prefix="wildrydes-tests-")

for _key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
             "AWS_ENDPOINT_URL", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
    os.environ.pop(_key, None)
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.path.join(_home, "aws-config"),
    "AWS_SHARED_CREDENTIALS_FILE": os.path.join(_home, "aws-credentials"),
    "AWS_EC2_METADATA_DISABLED": "true",
    "WILDRYDES_SCRATCHPAD": os.path.join(_home, "scratchpad.json"),
})

_real_send = botocore.httpsession.URLLib3Session.send


def _loopback_only_send(self, request):
    # moto's in-process mock answers before this layer; anything reaching it goes on the wire.
    if not is_loopback(request.url):
        raise UnsafeEndpointError(f"refused a request to {urlsplit(request.url).netloc}: tests only "
                                  "talk to a loopback sandbox.", field="endpoint",
                                  fix="Set AWS_ENDPOINT_URL to the sandbox (the test session does this).")
    return _real_send(self, request)


botocore.httpsession.URLLib3Session.send = _loopback_only_send


def pytest_configure(config):
    """Start the session's sandbox before collection, so every kernel inherits its endpoint."""
    from wildrydes_nb import sandbox

    box = sandbox.start(region=REGION)
    config._wildrydes_sandbox = box
    os.environ.update(box.env())
    if not is_loopback(os.environ["AWS_ENDPOINT_URL"]):
        raise pytest.UsageError("AWS_ENDPOINT_URL is not on loopback; refusing to run the tests.")


def pytest_unconfigure(config):
    box = getattr(config, "_wildrydes_sandbox", None)
    if box is not None:
        box.stop()


@pytest.fixture(scope="session")
def sandbox(pytestconfig):
    """The session's running sandbox server."""
    return pytestconfig._wildrydes_sandbox


@pytest.fixture
def session(sandbox):
    """A fresh boto3 session against an emptied sandbox."""
    import boto3

    sandbox.reset()
    return boto3.Session(region_name=REGION)


@pytest.fixture
def user_pool(session):
    """The workshop's user pool and app client, made in the sandbox."""
    from wildrydes_nb.user_pool import ensure_user_pool

    return ensure_user_pool(session)


@pytest.fixture
def step(user_pool):
    """The step's input for that user pool, checked."""
    from wildrydes_nb.inputs import check_step_input

    return check_step_input(REGION, user_pool.user_pool_id, user_pool.app_client_id)


@pytest.fixture
def workshop_account(session):
    """The sandbox as the workshop's console steps leave a learner's real account: an alias user
    pool with deletion protection, and an SRP-only app client without secret."""
    from wildrydes_nb.sandbox.workshop import seed

    return seed(session)


@pytest.fixture
def console_account(session):
    """The workshop account, plus an identity pool made in today's console (its own role name)."""
    from wildrydes_nb.sandbox.workshop import seed

    return seed(session, console_identity_pool=True)


@pytest.fixture
def iam_delay(sandbox):
    """Set the sandbox's IAM propagation delay for one test: ``iam_delay(seconds)``."""
    before = sandbox.iam_delay
    yield lambda seconds: setattr(sandbox, "iam_delay", seconds)
    sandbox.iam_delay = before


@pytest.fixture
def scratchpad(tmp_path):
    from wildrydes_nb.scratchpad import Scratchpad

    return Scratchpad(tmp_path / "scratchpad.json")


# Browser tests (tests/browser: JupyterLab in Chromium) are slower and need a browser, so they
# run only when asked: `make test-browser`, or `pytest --browser tests/browser -n 0`.
_BROWSER_TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser")


def pytest_addoption(parser):
    parser.addoption("--browser", action="store_true", default=False,
                     help="also collect tests/browser (JupyterLab in Chromium; see `make test-browser`)")


def pytest_ignore_collect(collection_path, config):
    if os.fspath(collection_path) == _BROWSER_TESTS and not config.getoption("--browser"):
        return True
    return None
