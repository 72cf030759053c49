"""`wildrydes-nb lab`: JupyterLab on the notebooks, with a sandbox for the session when asked."""

import json
import os
import sys
import urllib.request
from pathlib import Path

import pytest

from wildrydes_nb import WORKBOOK, lab
from wildrydes_nb.errors import WildrydesError
from wildrydes_nb.sandbox import is_loopback


class FakeLab:
    """Stands in for the JupyterLab process: records what it was started with."""

    runs = []

    def __init__(self, command):
        self.command = command
        self.environ = dict(os.environ)
        settings = [a.split("=", 1)[1] for a in command if ".app_settings_dir=" in a]
        self.overrides = json.loads((Path(settings[0]) / "overrides.json").read_text()) if settings else None
        FakeLab.runs.append(self)

    def wait(self, timeout=None):
        return 0


@pytest.fixture
def fake_lab(monkeypatch, tmp_path):
    FakeLab.runs = []
    monkeypatch.setattr(lab.subprocess, "Popen", FakeLab)
    monkeypatch.setenv(lab.WORKBOOK_ENV_VAR, str(tmp_path / "workbook"))
    return FakeLab


def test_lab_opens_the_learners_working_copy_with_this_python(fake_lab, tmp_path):
    shipped_before = {p.name: p.read_bytes() for p in lab.notebooks_dir().iterdir()}
    assert lab.run_lab(sandbox=False, port=8899) == 0
    (run,) = fake_lab.runs
    folder = tmp_path / "workbook"
    assert run.command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={folder}" in run.command
    assert "--ServerApp.port=8899" in run.command
    assert "--ContentsManager.pre_save_hook=wildrydes_nb.lab.pre_save_hook" in run.command
    assert sorted(p.name for p in folder.glob("*.ipynb")) == [f"{name}.ipynb" for name in WORKBOOK]
    copied = json.loads((folder / "02_identity_pool.ipynb").read_text())
    assert "jupytext" not in copied["metadata"]  # a save writes no Markdown twin
    # No news pop-up (JupyterLab's settings overrides), and the kernels' start-up hint.
    assert run.overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    assert run.environ["PYTHONSTARTUP"] == str(lab.KERNEL_STARTUP)
    assert {p.name: p.read_bytes() for p in lab.notebooks_dir().iterdir()} == shipped_before


def test_lab_opens_notebook_7_on_the_same_working_copy_with_the_same_save_hook(fake_lab, tmp_path, monkeypatch,
                                                                              capsys):
    from wildrydes_nb.cli import EXIT_INPUT, main

    # Installed or not in this venv (the test extra leaves Notebook 7 out): the command is what is tested.
    monkeypatch.setattr(lab.importlib_util, "find_spec", lambda name: object())
    assert main(["lab", "--notebook", "--port", "8898"]) == 0
    (run,) = fake_lab.runs
    assert run.command[:3] == [sys.executable, "-m", "notebook"]
    assert f"--ServerApp.root_dir={tmp_path / 'workbook'}" in run.command
    assert "--ContentsManager.pre_save_hook=wildrydes_nb.lab.pre_save_hook" in run.command
    assert any(a.startswith("--JupyterNotebookApp.app_settings_dir=") for a in run.command)
    assert run.overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    monkeypatch.setattr(lab.importlib_util, "find_spec", lambda name: None)  # not installed: one clear line
    assert main(["lab", "--notebook"]) == EXIT_INPUT
    assert "notebook is not installed" in capsys.readouterr().err and len(fake_lab.runs) == 1


def test_the_learners_copy_is_never_overwritten_and_a_newer_version_is_named(tmp_path):
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    for name in WORKBOOK:
        (shipped / f"{name}.ipynb").write_text(json.dumps({"cells": [], "metadata": {}, "v": 1}))
    mine = tmp_path / "mine"
    first = lab.prepare_working_copy(mine, shipped)
    assert first.copied == list(WORKBOOK) and first.outdated == []
    (mine / "02_identity_pool.ipynb").write_text("the learner's own work")
    (shipped / "02_identity_pool.ipynb").write_text(json.dumps({"cells": [], "metadata": {}, "v": 2}))
    again = lab.prepare_working_copy(mine, shipped)
    assert again.copied == [] and again.outdated == ["02_identity_pool"]
    assert (mine / "02_identity_pool.ipynb").read_text() == "the learner's own work"
    assert "rename or delete your copy" in again.summary()
    (mine / "99_cleanup.ipynb").unlink()  # a deleted notebook comes back
    assert lab.prepare_working_copy(mine, shipped).copied == ["99_cleanup"]
    with pytest.raises(WildrydesError, match="cannot be in the shipped notebooks folder"):
        lab.prepare_working_copy(shipped, shipped)


def test_a_saved_form_keeps_its_view_and_a_note_on_how_to_bring_it_back():
    view = {"output_type": "display_data", "metadata": {},
            "data": {lab.WIDGET_VIEW: {"model_id": "abc"}, "text/plain": "Create the identity pool (a form)"}}
    text = {"output_type": "stream", "name": "stdout", "text": "kept"}
    model = {"type": "notebook", "content": {"metadata": {"widgets": {"state": {}}},
                                             "cells": [{"cell_type": "code", "outputs": [view, text]},
                                                       {"cell_type": "markdown", "source": "prose"}]}}
    lab.pre_save_hook(model=model, path="02_identity_pool.ipynb", contents_manager=None)
    outputs = model["content"]["cells"][0]["outputs"]
    # The view (drawn again while its kernel runs), then the note (shown when it cannot be).
    assert outputs[0]["data"] == {lab.WIDGET_VIEW: {"model_id": "abc"}}
    assert outputs[1]["data"] == {"text/plain": lab.RESTORE_NOTE, "text/html": lab.NOTE_HTML}
    assert outputs[2] == text and "widgets" not in model["content"]["metadata"]
    assert "outputs" not in model["content"]["cells"][1]
    lab.pre_save_hook(model=model, path="02_identity_pool.ipynb")  # an autosave later: still one note
    assert model["content"]["cells"][0]["outputs"] == outputs
    lab.pre_save_hook(model={"type": "file", "content": "x"}, path="a.txt")  # other files untouched


def test_a_cell_run_before_the_cells_above_says_so_not_nameerror(monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("PYTHONSTARTUP", str(lab.KERNEL_STARTUP))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("form.show()")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, kernel_name="python3", allow_errors=True).execute()
    (error,) = nb.cells[0].outputs
    assert error["traceback"] == ["NameError: name 'form' is not defined yet: run the cells above first "
                                  "(Run → Run All Above Selected Cell). After a kernel restart, Python has "
                                  "forgotten what they made."]


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


def test_lab_on_a_taken_port_is_one_clear_line_and_starts_nothing(fake_lab, capsys):
    import socket

    from wildrydes_nb.cli import EXIT_INPUT, main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["lab", "--sandbox", "--port", str(port)])
    assert code == EXIT_INPUT and fake_lab.runs == []
    assert capsys.readouterr().err == (
        f"error: --port: port {port} on 127.0.0.1 is taken: another program listens there. "
        "Fix: Stop that program, choose another port with --port, or leave --port out to take any free port.\n")


@pytest.mark.parametrize("port", ["99999", "-1", "８８８８", "http"])
def test_lab_refuses_a_port_that_is_not_one(fake_lab, capsys, port):
    from wildrydes_nb.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["lab", "--port", port])
    assert stop.value.code == 2 and fake_lab.runs == []
    assert "is not a port: give a number from 1 to 65535, or 0 for any free port" in capsys.readouterr().err


def test_sigterm_stops_jupyterlab_and_the_session_as_ctrl_c_does(tmp_path):
    import signal
    import subprocess
    import time

    import psutil

    script = tmp_path / "session.py"
    script.write_text("import sys\nfrom wildrydes_nb import lab\n"
                      "sys.exit(lab._wait([sys.executable, '-c', 'import time; time.sleep(120)']))\n")
    session = subprocess.Popen([sys.executable, str(script)])
    deadline = time.monotonic() + 30
    while not psutil.Process(session.pid).children() and time.monotonic() < deadline:
        time.sleep(0.1)
    [lab_process] = psutil.Process(session.pid).children()
    session.send_signal(signal.SIGTERM)
    assert session.wait(timeout=30) == 0  # stopped as by Ctrl-C, not killed by the signal
    assert not lab_process.is_running() or lab_process.status() == psutil.STATUS_ZOMBIE
