"""Test set-up: dummy credentials, a loopback-only network guard, and a sandbox for the session.

The environment is set at import time, before any test or kernel starts, so notebooks run by
nbval or papermill inherit it. Nothing here can reach real AWS: every connection that would
leave the machine is refused before it is tried, in this process and in every Python process it
starts (tests/guard: its ``sitecustomize`` installs the guard, from ``PYTHONPATH``).
"""

import itertools
import os
import socket
import sys
import tempfile

import pytest

from wildrydes_nb.sandbox import is_loopback

REGION = "us-east-2"
_home = tempfile.mkdtemp(prefix="wildrydes-tests-")
_GUARD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "guard")
sys.path.insert(0, _GUARD)
import loopback_guard  # noqa: E402 - found through the line above

loopback_guard.install()
loopback_guard.clear_environment()
os.environ["PYTHONPATH"] = os.pathsep.join([_GUARD, *filter(None, [os.environ.get("PYTHONPATH")])])

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
    # The package's lock files (~/.wildrydes/locks) and Jupyter's runtime files of the test
    # kernels go to this session's folder, not the developer's home.
    "HOME": _home,
})
# The tests' own AWS config: no profile, so no endpoint_url and no services section.
with open(os.environ["AWS_CONFIG_FILE"], "w", encoding="utf-8") as _config:
    _config.write("# The tests' AWS config (tests/conftest.py): no profile sets an endpoint.\n")


def _kernel_ports_of_this_worker():
    """jupyter_client picks a kernel's five TCP ports by binding port 0 and letting go; the kernel
    binds them a moment later. Workers starting kernels at once then now and then hand one port
    to two kernels, and one dies ("Address already in use", jupyter_client issue 487). Each
    worker takes its kernels' ports from a range of its own instead, below the ports the system
    hands out for port 0, and still skips a port something else has bound."""
    from jupyter_client.connect import LocalPortCache

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    first = 20000 + 1500 * ((int(worker) if worker.isdigit() else 0) % 8)
    ports = itertools.cycle(range(first, first + 1500))

    def find_available_port(self, ip):
        for port in ports:
            if port in self.currently_used_ports:
                continue
            with socket.socket() as probe:
                try:
                    probe.bind((ip, port))
                except OSError:
                    continue
            self.currently_used_ports.add(port)
            return port

    LocalPortCache.find_available_port = find_available_port


def pytest_configure(config):
    """Start the session's sandbox before collection, so every kernel inherits its endpoint."""
    _kernel_ports_of_this_worker()
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
    from wildrydes_nb.aws import new_session

    sandbox.reset()
    return new_session(region_name=REGION)


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
    from wildrydes_nb.workshop import seed

    return seed(session)


@pytest.fixture
def console_account(session):
    """The workshop account, plus an identity pool made in today's console (its own role name)."""
    from wildrydes_nb.workshop import seed

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


def pytest_collection_modifyitems(items):
    """Slow tests first: started last, one of them would end the run alone on its worker."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: order kept otherwise


# Test files whose tests go to one worker together, and why.
_ONE_WORKER_FILES = {
    "tests/test_notebooks.py": "its tests share one headless run of the notebook (a module fixture)",
}


def pytest_xdist_make_scheduler(config, log):
    """With ``--dist=load``: tests are handed to workers one by one, except a notebook's cells,
    which nbval runs in order in one kernel, and the files above: each goes to one worker."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class TogetherWhereNeeded(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            path = nodeid.split("::", 1)[0]
            return path if path.endswith(".ipynb") or path in _ONE_WORKER_FILES else nodeid

    return TogetherWhereNeeded(config, log)


def pytest_ignore_collect(collection_path, config):
    if os.fspath(collection_path) == _BROWSER_TESTS and not config.getoption("--browser"):
        return True
    return None
