"""Browser test set-up: JupyterLab as `wildrydes-nb lab` starts it, and Debian's Chromium.

JupyterLab starts once per module, on loopback, with this test session's sandbox in its
environment (the root conftest points the AWS variables at it), so every kernel it starts
talks to the sandbox. Its settings, workspaces and Jupyter/IPython configuration are fresh
temporary folders, so nothing of the machine's own set-up leaks in, and it works on a learner's
working copy (lab.prepare_working_copy), so a save never writes into the committed notebooks.

A missing browser or Playwright fails every test with how to install it: a skip would let CI
pass without having looked at the learner's view.
"""

import json
import os
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from wildrydes_nb import lab

CHROMIUM = "/usr/bin/chromium"
# Headless on a closed network: no GPU, and none of the background calls home that would only
# log refused connections.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"
START_TIMEOUT = 60  # seconds for JupyterLab to answer


class JupyterLab:
    """A JupyterLab server in a subprocess, and what a test needs to know about it."""

    def __init__(self, folder: Path, front_end: str = "jupyterlab"):
        self.front_end = front_end  # or "notebook": Jupyter Notebook 7, started the same way
        self.root = folder / "notebooks"
        self.scratchpad = folder / "scratchpad.json"
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._folder = folder
        self._process: subprocess.Popen | None = None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy

    def start(self) -> None:
        # As `wildrydes-nb lab` does: the learner's working copy, the pre-save hook, the overrides.
        lab.prepare_working_copy(self.root)
        overrides = lab.write_lab_overrides(self._folder / "lab-app-settings")
        settings = self._folder / "lab-settings"  # the learner's own settings: fresh, empty
        env = {**os.environ,
               "WILDRYDES_SCRATCHPAD": str(self.scratchpad),
               "JUPYTERLAB_SETTINGS_DIR": str(settings),
               "JUPYTERLAB_WORKSPACES_DIR": str(self._folder / "lab-workspaces"),
               "JUPYTER_CONFIG_DIR": str(self._folder / "jupyter-config"),
               "IPYTHONDIR": str(self._folder / "ipython"),
               "PYTHONSTARTUP": str(lab.KERNEL_STARTUP)}
        args = ["--no-browser", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={self.token}"]
        if os.geteuid() == 0:
            args.append("--allow-root")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.log = ARTIFACTS / f"{self.front_end}.log"
        with self.log.open("w") as log:
            command = lab.lab_command(self.root, self.port, args, overrides, self.front_end)
            self._process = subprocess.Popen(command, env=env,
                                             stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                pytest.fail(f"JupyterLab exited with status {self._process.returncode}; see {self.log}")
            try:
                self.api("GET", "status")
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)  # polling a server that is starting, not waiting on the page
        pytest.fail(f"JupyterLab did not answer on {self.base_url} within {START_TIMEOUT} s; see {self.log}")

    def api(self, method: str, path: str):
        """Call JupyterLab's REST API; returns the decoded JSON answer (None when empty)."""
        request = urllib.request.Request(f"{self.base_url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with self._opener.open(request, timeout=10) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def url(self, path: str) -> str:
        """A page of JupyterLab, opened with a fresh layout and logged in by the token."""
        return f"{self.base_url}/{path}?reset&token={self.token}"

    def fresh(self) -> None:
        """Shut every kernel down and empty the scratchpad, as for a learner who starts over."""
        for session in self.api("GET", "sessions"):
            self.api("DELETE", f"sessions/{session['id']}")
        for path in (self.scratchpad, self.scratchpad.with_name(self.scratchpad.name + ".lock")):
            path.unlink(missing_ok=True)

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()  # JupyterLab then shuts its kernels down
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _playwright():
    try:
        import playwright.sync_api
    except ImportError:
        pass  # reported below, without the import's traceback
    else:
        return playwright.sync_api
    pytest.fail("Playwright for Python is not installed in this environment. Run `make test-browser` "
                "(it installs the project's `browser` extra: pip install -e '.[test,browser]').", pytrace=False)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, shared by every test of the run."""
    api = _playwright()
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. Run `make test-browser` "
                    "(it installs it) or `apt-get install -y chromium`.", pytrace=False)
    with api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def expect(browser):
    """Playwright's ``expect`` (imported here, so that a missing Playwright fails with how to install it)."""
    return _playwright().expect


@pytest.fixture(scope="session")
def artifacts():
    """Where screenshots go (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def jupyterlab(sandbox, tmp_path_factory):
    """JupyterLab on a copy of the notebooks, its kernels wired to the session's sandbox."""
    server = JupyterLab(tmp_path_factory.mktemp("jupyterlab"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def notebook7(sandbox, tmp_path_factory):
    """Jupyter Notebook 7 on a copy of the notebooks, as `wildrydes-nb lab --notebook` starts it."""
    server = JupyterLab(tmp_path_factory.mktemp("notebook7"), front_end="notebook")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)  # the page fixture screenshots a failed test
    return report


@pytest.fixture
def page(browser, jupyterlab, request):
    """A new browser tab (own cookies and storage) on a JupyterLab with no kernel and an empty scratchpad."""
    jupyterlab.fresh()
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    tab = context.new_page()
    yield tab
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=ARTIFACTS / f"{request.node.name}-failed.png")
    context.close()
    jupyterlab.fresh()


AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe():
    """axe-core's script, installed from tests/browser/package-lock.json by `make test-browser` (npm ci)."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: the accessibility test injects axe-core into the page. Run `make test-browser` "
                    "(it runs `npm ci --prefix tests/browser`).", pytrace=False)
    return AXE
