"""Open JupyterLab on the learner's working copy of the workbook, with a sandbox when asked.

The shipped notebooks stay as they are: JupyterLab opens a folder of the learner's own (made from
``notebooks/`` when missing, never overwritten), so saving or autosaving writes outputs there,
not into the checkout. A saved notebook is stored with a note where each form was, so that
reopening it says how to bring the form back instead of "model not found".
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util as importlib_util
import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from . import NOTEBOOKS_DIR, WORKBOOK
from .errors import WildrydesError
from .scratchpad import ENV_VAR as SCRATCHPAD_ENV_VAR

WORKBOOK_ENV_VAR = "WILDRYDES_WORKBOOK"
# Which shipped version each notebook of a working copy was made from (sha256 of the file).
MANIFEST = ".wildrydes-workbook.json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
RESTORE_NOTE = "The form was here: run the notebook's cells (Run → Run All Cells) to bring it back."
# The note is an output of its own, after the form's view, marked so that a later save replaces it.
NOTE_MARK = {"wildrydes-nb": "restore-note"}
# While the kernel that made the form still runs (a reload of the page), ipywidgets 8 draws the form
# again from the kernel, and the note hides itself. Without that kernel, ipywidgets cannot draw it
# ("Error displaying widget: model not found"): that message hides itself, and the note shows.
# JupyterLab and Jupyter Notebook 7 share these classes; styles apply in a trusted notebook (one the
# learner saved). Elsewhere (an export, GitHub) the view is not drawn and the note shows.
# A drawn view is a ".jupyter-widgets" element in the output; one not drawn (yet) is the output
# itself holding only ipywidgets' words ("Loading widget...", "... model not found"), no element.
_NOTE_STYLE = (".jp-OutputArea:has(> .jp-OutputArea-child > .jp-OutputArea-output > .jupyter-widgets) "
               ".wildrydes-restore-note{display:none}"
               ".jp-OutputArea:has(.wildrydes-restore-note) .jp-OutputArea-output:not(:has(*)){display:none}")
NOTE_HTML = (f"<style>{_NOTE_STYLE}</style>"
             f'<p class="wildrydes-restore-note"><i>{RESTORE_NOTE}</i></p>')
# Settings JupyterLab applies over the learner's own: no pop-up asking to fetch news online.
LAB_OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                                 "checkForUpdates": False}}
KERNEL_STARTUP = Path(__file__).resolve().parent / "kernel_startup.py"


def notebooks_dir() -> Path:
    """The workbook's ``notebooks/`` folder, beside the package in a checkout."""
    path = NOTEBOOKS_DIR
    if not path.is_dir():
        raise WildrydesError(f"the workbook's notebooks are not in {path}.",
                             fix="Install the project from its checkout (pip install -e .) and run it there.")
    return path


def default_working_copy() -> Path:
    """``$WILDRYDES_WORKBOOK`` if set, else ``~/wildrydes-workbook``."""
    return Path(os.environ.get(WORKBOOK_ENV_VAR) or Path.home() / "wildrydes-workbook").expanduser()


@dataclass
class WorkingCopy:
    """The learner's folder of notebooks, and what :func:`prepare_working_copy` did to it."""

    folder: Path
    copied: list[str] = field(default_factory=list)    # made now from the shipped notebook
    outdated: list[str] = field(default_factory=list)  # the learner's, made from an older version

    def summary(self) -> str:
        """What a learner should know, in a few lines."""
        lines = [f"Your working copy of the workbook: {self.folder}"]
        if self.copied:
            lines.append(f"  copied from {notebooks_dir()}: {', '.join(self.copied)}")
        for name in self.outdated:
            lines.append(f"  {name}.ipynb is yours and was kept; the workbook has a newer version. To get it, "
                         f"rename or delete your copy and run this command again.")
        return "\n".join(lines)


def prepare_working_copy(folder: Path | None = None, shipped: Path | None = None) -> WorkingCopy:
    """Make the learner's working copy: copy each workbook notebook that is missing there.

    A notebook already in the folder is the learner's and is never overwritten; when the
    shipped one changed since it was copied, :attr:`WorkingCopy.outdated` says so.
    """
    folder = Path(folder or default_working_copy())
    shipped = Path(shipped or notebooks_dir())
    try:
        inside = folder.resolve() == shipped.resolve() or shipped.resolve() in folder.resolve().parents
    except (OSError, RuntimeError) as err:  # a symlink loop: Python 3.11 raises RuntimeError
        raise WildrydesError(f"the working copy {folder} cannot be resolved ({err}).", field=WORKBOOK_ENV_VAR,
                             fix="Choose another folder, e.g. ~/wildrydes-workbook.") from None
    if inside:
        raise WildrydesError(f"the working copy cannot be in the shipped notebooks folder {shipped}.",
                             field=WORKBOOK_ENV_VAR, fix="Choose another folder, e.g. ~/wildrydes-workbook.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        manifest_path = folder / MANIFEST
        manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
        if not isinstance(manifest, dict):
            manifest = {}  # not ours as written: every notebook is then the learner's, none is overwritten
        copy = WorkingCopy(folder)
        for name in WORKBOOK:
            original = (shipped / f"{name}.ipynb").read_bytes()
            digest = hashlib.sha256(original).hexdigest()
            target = folder / f"{name}.ipynb"
            if not target.exists() or (name not in manifest and not _readable_notebook(target)):
                # Missing, or an empty or broken file no copy of ours left (a full disk): copied anew,
                # through a temporary file, so that a failed write never leaves a broken notebook.
                tmp = target.with_name(f".{target.name}.tmp")
                tmp.write_bytes(original)
                tmp.replace(target)
                manifest[name] = digest
                copy.copied.append(name)
            elif manifest.get(name) != digest:
                copy.outdated.append(name)
        tmp = manifest_path.with_name(f".{MANIFEST}.tmp")
        tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        tmp.replace(manifest_path)
    except (OSError, ValueError) as err:
        raise WildrydesError(f"cannot prepare the working copy in {folder}: {err}.", field=WORKBOOK_ENV_VAR,
                             fix=f"Set {WORKBOOK_ENV_VAR} to a folder you can write to.") from None
    return copy


def _readable_notebook(path: Path) -> bool:
    """Whether ``path`` holds a notebook (JSON with cells), not an empty or cut-off file."""
    try:
        return isinstance(json.loads(path.read_text(encoding="utf-8")).get("cells"), list)
    except (OSError, ValueError, AttributeError):
        return False


def pre_save_hook(model: dict, path: str = "", contents_manager=None, **_) -> None:
    """JupyterLab's pre-save hook: store a note after each form's widget view.

    A widget lives in its kernel. Reopened while that kernel runs (a reload), the view is drawn
    again from it; reopened without it, the view cannot come back, and the note says how to bring
    it back (:data:`NOTE_HTML`). No widget state is saved: a form drawn from it would look alive
    and do nothing.
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    note = {"output_type": "display_data", "metadata": dict(NOTE_MARK),
            "data": {"text/plain": RESTORE_NOTE, "text/html": NOTE_HTML}}
    for cell in model["content"].get("cells", []):
        outputs = []
        for output in cell.get("outputs", []):
            if output.get("metadata") == NOTE_MARK:
                continue  # a note of an earlier save: made anew below
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                # The view only: its text fallback would say the same as the note, twice.
                outputs += [{**output, "data": {WIDGET_VIEW: data[WIDGET_VIEW]}}, dict(note)]
            else:
                outputs.append(output)
        if "outputs" in cell:
            cell["outputs"] = outputs
    model["content"].get("metadata", {}).pop("widgets", None)


# The front-ends `wildrydes-nb lab` opens: the module that runs it, and its application's name.
FRONT_ENDS = {"jupyterlab": ("jupyterlab", "LabApp"), "notebook": ("notebook", "JupyterNotebookApp")}


def lab_command(notebook_dir: Path, port: int | None = None, lab_args: Sequence[str] = (),
                settings_dir: Path | None = None, front_end: str = "jupyterlab") -> list[str]:
    """The JupyterLab (or, with ``front_end="notebook"``, Jupyter Notebook 7) command line; kernels
    it starts run this same Python.

    ``settings_dir`` holds an ``overrides.json`` of settings the front-end applies over the
    learner's own (:func:`write_lab_overrides`).
    """
    module, app = FRONT_ENDS[front_end]
    command = [sys.executable, "-m", module, f"--ServerApp.root_dir={notebook_dir}",
               f"--ContentsManager.pre_save_hook={__name__}.pre_save_hook"]
    if settings_dir:
        command.append(f"--{app}.app_settings_dir={settings_dir}")
    if port:
        command += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    return command + list(lab_args)


def write_lab_overrides(folder: Path) -> Path:
    """Write :data:`LAB_OVERRIDES` as JupyterLab's ``overrides.json`` in ``folder``; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "overrides.json").write_text(json.dumps(LAB_OVERRIDES, indent=2), encoding="utf-8")
    return folder


def _stopped(_signum, _frame) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the session as Ctrl-C does: JupyterLab and the sandbox together


def _wait(command: list[str]) -> int:
    process = subprocess.Popen(command)
    previous = signal.signal(signal.SIGTERM, _stopped)
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
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_lab(sandbox: bool, port: int | None = None, lab_args: Sequence[str] = (), *,
            iam_delay: float = 0.0, working_copy: Path | None = None, front_end: str = "jupyterlab") -> int:
    """Run JupyterLab on the learner's working copy until it stops; returns its exit status.

    ``front_end="notebook"`` runs Jupyter Notebook 7 instead, set up the same way.

    The working copy (:func:`prepare_working_copy`) is ``working_copy``, else
    ``$WILDRYDES_WORKBOOK``, else ``~/wildrydes-workbook``. With ``sandbox`` a local AWS
    endpoint is started first and the standard AWS variables point at it, so every kernel
    JupyterLab starts inherits it; it stops with JupyterLab. Its scratchpad is a temporary file
    (unless ``WILDRYDES_SCRATCHPAD`` is set), so ids of the throw-away sandbox never overwrite
    those of a real account. ``iam_delay``: seconds for which the sandbox keeps a new or changed
    IAM role unusable, as AWS does. ``lab_args`` go to JupyterLab as they are (e.g.
    ``--no-browser``).
    """
    if importlib_util.find_spec(FRONT_ENDS[front_end][0]) is None:
        raise WildrydesError(f"{front_end} is not installed in this Python ({sys.executable}).",
                             fix="pip install 'notebook>=7,<8' (or the project's extra: pip install -e '.[notebook]').")
    copy = prepare_working_copy(working_copy)
    print(copy.summary(), flush=True)
    with contextlib.ExitStack() as stack:
        from .sandbox import patched_environ

        settings = write_lab_overrides(Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wildrydes-lab-"))))
        # Kernels run this at start: a cell run out of order after a restart gets a hint.
        stack.enter_context(patched_environ({"PYTHONSTARTUP": str(KERNEL_STARTUP)}))
        if sandbox:
            from .sandbox import sandbox_environment

            box = stack.enter_context(sandbox_environment(iam_delay=iam_delay))
            if not os.environ.get(SCRATCHPAD_ENV_VAR):
                folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="wildrydes-sandbox-"))
                stack.enter_context(patched_environ({SCRATCHPAD_ENV_VAR: str(Path(folder) / "scratchpad.json")}))
            print(f"Local AWS sandbox on {box.endpoint_url} for this JupyterLab session "
                  f"(scratchpad {os.environ[SCRATCHPAD_ENV_VAR]}).", flush=True)
        return _wait(lab_command(copy.folder, port, lab_args, settings, front_end))
