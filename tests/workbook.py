"""The workbook notebooks under test: where they are, what each run needs, how outputs are compared.

Shared by the nbval collector (tests/notebooks/conftest.py), the notebook tests and
scripts/regen_expected.py, so the expected outputs are made exactly the way they are checked.
Each notebook runs on its own: ``arrange`` empties the sandbox and creates what the notebook
builds on, so a notebook never depends on another one having run first.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import papermill

from wildrydes_nb import WORKBOOK
from wildrydes_nb.aws import new_session
from wildrydes_nb.report import CHANGES_MIME, REPORT_MIME

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_DIR = ROOT / "notebooks"
EXPECTED_DIR = ROOT / "tests" / "notebooks"
SANITIZE_FILE = EXPECTED_DIR / "sanitize.cfg"
# One folder per pytest-xdist worker: every worker collects (prepares) every notebook, at once.
ARTIFACTS_DIR = ROOT / "tests" / "artifacts" / "notebooks" / os.environ.get("PYTEST_XDIST_WORKER", "main")

NOTEBOOKS = WORKBOOK

# Data outputs nbval cannot sanitize (JSON, not text): their text/plain twin is compared instead.
UNCOMPARED_MIME = (REPORT_MIME, CHANGES_MIME)

# A test user that an interrupted verification left behind, for the cleanup notebook to find.
LEFTOVER_TEST_USER = "wildrydes-verify-0000leftover"


def parameters(name: str, scratchpad_path: Path) -> dict:
    """The papermill parameters of the test run of notebook ``name``."""
    extra = {"99_cleanup": {"delete_user_pool": True}}.get(name, {})
    return {"auto_submit": True, "scratchpad_path": str(scratchpad_path), **extra}


def arrange(name: str, sandbox, scratchpad_path: Path) -> None:
    """Empty the sandbox and the scratchpad, then create what notebook ``name`` builds on."""
    from wildrydes_nb.apply import ensure
    from wildrydes_nb.inputs import check_step_input
    from wildrydes_nb.scratchpad import Scratchpad
    from wildrydes_nb.user_pool import ensure_user_pool

    sandbox.reset()
    scratchpad_path.parent.mkdir(parents=True, exist_ok=True)
    scratchpad_path.unlink(missing_ok=True)
    pad = Scratchpad(scratchpad_path)
    if name in ("00_start_here", "01_user_pool"):
        return
    session = new_session(region_name=sandbox.region)
    pool = ensure_user_pool(session)
    pad.update(region=sandbox.region, user_pool_id=pool.user_pool_id, app_client_id=pool.app_client_id)
    if name == "99_cleanup":
        ensure(session, check_step_input(sandbox.region, pool.user_pool_id, pool.app_client_id), scratchpad=pad)
        session.client("cognito-idp").admin_create_user(UserPoolId=pool.user_pool_id, Username=LEFTOVER_TEST_USER,
                                                        MessageAction="SUPPRESS")


def prepare(expected: Path, scratchpad_path: Path) -> Path:
    """A parameterized copy of an expected notebook (outputs kept), made by papermill, not run."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    copy = ARTIFACTS_DIR / expected.name
    papermill.execute_notebook(str(expected), str(copy), parameters=parameters(expected.stem, scratchpad_path),
                               prepare_only=True, progress_bar=False)
    return copy


def sanitize_patterns() -> list[tuple[str, str]]:
    """The (regex, replacement) pairs of the sanitize file, as nbval reads them."""
    text = SANITIZE_FILE.read_text(encoding="utf-8")
    return re.findall(r"^regex: (.*)$\n^replace: (.*)$", text, flags=re.MULTILINE)


def sanitize(text: str, patterns: list[tuple[str, str]]) -> str:
    for regex, replacement in patterns:
        text = re.sub(regex, replacement, text)
    return text


def cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, list]]:
    """What must match between a shipped notebook and its expected copy: kind, source, tags."""
    return [(c.cell_type, c.source, list(c.metadata.get("tags", []))) for c in nb.cells
            if "injected-parameters" not in c.metadata.get("tags", [])]


def to_expected(executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """An executed notebook as stored under tests/notebooks: the shipped cells with sanitized outputs.

    Papermill's injected cell, its metadata and the widget state are dropped (the test run
    injects its own parameters); generated ids are replaced as the sanitize file says, so
    regenerating leaves the files unchanged when nothing really changed.
    """
    patterns = sanitize_patterns()
    nb = nbformat.from_dict(executed)
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        cell.metadata = {"tags": cell.metadata["tags"]} if cell.metadata.get("tags") else {}
        for output in cell.get("outputs", []):
            if "text" in output:
                output.text = sanitize(output.text, patterns)
            for mime, value in output.get("data", {}).items():
                if mime == "application/vnd.jupyter.widget-view+json":
                    value["model_id"] = "MODEL_ID"  # random per run; nbval does not compare it
                else:
                    output.data[mime] = _sanitize_all(value, patterns)
    return nb


def _sanitize_all(value, patterns):
    if isinstance(value, str):
        return sanitize(value, patterns)
    if isinstance(value, dict):
        return {k: _sanitize_all(v, patterns) for k, v in value.items()}
    if isinstance(value, list):
        return [_sanitize_all(v, patterns) for v in value]
    return value
