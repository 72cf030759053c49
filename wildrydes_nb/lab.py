"""Open JupyterLab on the workbook, wired to a local sandbox for the session when asked."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from . import NOTEBOOKS_DIR
from .errors import WildrydesError
from .scratchpad import ENV_VAR as SCRATCHPAD_ENV_VAR


def notebooks_dir() -> Path:
    """The workbook's ``notebooks/`` folder, beside the package in a checkout."""
    path = NOTEBOOKS_DIR
    if not path.is_dir():
        raise WildrydesError(f"the workbook's notebooks are not in {path}.",
                             fix="Install the project from its checkout (pip install -e .) and run it there.")
    return path


def lab_command(notebook_dir: Path, port: int | None = None, lab_args: Sequence[str] = ()) -> list[str]:
    """The JupyterLab command line; kernels it starts run this same Python."""
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={notebook_dir}"]
    if port:
        command += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    return command + list(lab_args)


def _wait(command: list[str]) -> int:
    process = subprocess.Popen(command)
    try:
        return process.wait()
    except KeyboardInterrupt:
        # JupyterLab asks to confirm a first Ctrl-C; one is enough to stop the session here.
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return 0


def run_lab(sandbox: bool, port: int | None = None, lab_args: Sequence[str] = (), *,
            iam_delay: float = 0.0) -> int:
    """Run JupyterLab on the notebooks until it stops; returns its exit status.

    With ``sandbox`` a local AWS endpoint is started first and the standard AWS variables
    point at it, so every kernel JupyterLab starts inherits it; it stops with JupyterLab.
    Its scratchpad is a temporary file (unless ``WILDRYDES_SCRATCHPAD`` is set), so ids of
    the throw-away sandbox never overwrite those of a real account. ``lab_args`` go to
    JupyterLab as they are (e.g. ``--no-browser``). ``iam_delay``: seconds for which the
    sandbox keeps a new or changed IAM role unusable, as AWS does.
    """
    notebook_dir = notebooks_dir()
    with contextlib.ExitStack() as stack:
        if sandbox:
            from .sandbox import patched_environ, sandbox_environment

            box = stack.enter_context(sandbox_environment(iam_delay=iam_delay))
            if not os.environ.get(SCRATCHPAD_ENV_VAR):
                folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="wildrydes-sandbox-"))
                stack.enter_context(patched_environ({SCRATCHPAD_ENV_VAR: str(Path(folder) / "scratchpad.json")}))
            print(f"Local AWS sandbox on {box.endpoint_url} for this JupyterLab session "
                  f"(scratchpad {os.environ[SCRATCHPAD_ENV_VAR]}).", flush=True)
        return _wait(lab_command(notebook_dir, port, lab_args))
