"""`wildrydes-nb lab`: JupyterLab on the notebooks, with a sandbox for the session when asked."""

import os
import sys
import urllib.request

import pytest

from wildrydes_nb import lab
from wildrydes_nb.sandbox import is_loopback


class FakeLab:
    """Stands in for the JupyterLab process: records what it was started with."""

    runs = []

    def __init__(self, command):
        self.command = command
        self.environ = dict(os.environ)
        FakeLab.runs.append(self)

    def wait(self, timeout=None):
        return 0


@pytest.fixture
def fake_lab(monkeypatch):
    FakeLab.runs = []
    monkeypatch.setattr(lab.subprocess, "Popen", FakeLab)
    return FakeLab


def test_lab_opens_the_notebooks_with_this_python(fake_lab):
    assert lab.run_lab(sandbox=False, port=8899) == 0
    (run,) = fake_lab.runs
    assert run.command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={lab.notebooks_dir()}" in run.command
    assert "--ServerApp.port=8899" in run.command
    assert (lab.notebooks_dir() / "02_identity_pool.ipynb").exists()


def test_lab_with_sandbox_wires_every_kernel_to_it_and_stops_it_after(fake_lab, monkeypatch):
    monkeypatch.delenv("WILDRYDES_SCRATCHPAD")
    before = dict(os.environ)
    assert lab.run_lab(sandbox=True, port=None) == 0
    (run,) = fake_lab.runs
    endpoint = run.environ["AWS_ENDPOINT_URL"]
    assert is_loopback(endpoint) and endpoint != before.get("AWS_ENDPOINT_URL")
    assert "wildrydes-sandbox-" in run.environ["WILDRYDES_SCRATCHPAD"]  # not the learner's own scratchpad
    assert dict(os.environ) == before
    with pytest.raises(OSError):
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(endpoint, timeout=2)
