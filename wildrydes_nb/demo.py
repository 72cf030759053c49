"""The whole workbook, headless, against an embedded sandbox: 00 → 01 → 02, then the checklist."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from . import NOTEBOOKS_DIR, SANDBOX_IAM_DELAY, STEP_NOTEBOOK, WORKBOOK

# The workbook up to the step; cleanup is left out, so that what was made can be inspected.
DEMO_NOTEBOOKS = WORKBOOK[: WORKBOOK.index(STEP_NOTEBOOK) + 1]


def run_demo(out_dir: str | os.PathLike = "runs/demo", *, serve: Callable[[object], None] | None = None) -> int:
    """Run the workbook notebooks with ``auto_submit`` in a fresh sandbox; keep what they made.

    Writes each executed notebook and its HTML export to ``out_dir``, prints the verification
    checklist, and returns 0 only if every notebook ran and every check passed. ``serve``,
    if given, is called with the sandbox before it stops, so its resources can be inspected.
    """
    from nbconvert import HTMLExporter
    from papermill.exceptions import PapermillExecutionError

    from .headless import run_notebook
    from .report import report_in_notebook
    from .sandbox import sandbox_environment

    out = Path(out_dir).resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / ".writable").touch()
        (out / ".writable").unlink()
    except OSError as err:
        from .errors import InputError

        raise InputError(f"cannot write the demo's results to {out}: {err.strerror or err}.", field="--out",
                         fix="Give a folder you can write to (it is made if missing), not a file.") from None
    scratchpad = out / "scratchpad.json"
    scratchpad.unlink(missing_ok=True)
    # As in a real account, the new role is unusable for a few seconds: verify shows the wait.
    with sandbox_environment(iam_delay=SANDBOX_IAM_DELAY) as box:
        print(f"sandbox    {box.endpoint_url} (stops when the demo ends)")
        for name in DEMO_NOTEBOOKS:
            executed = out / f"{name}.ipynb"
            try:
                run_notebook(NOTEBOOKS_DIR / f"{name}.ipynb", executed,
                             {"auto_submit": True, "scratchpad_path": str(scratchpad)})
                failure = None
            except PapermillExecutionError as err:
                failure = f"{err.ename}: {err.evalue}"
            html, _ = HTMLExporter().from_filename(str(executed))
            executed.with_suffix(".html").write_text(html, encoding="utf-8")
            print(f"{'failed' if failure else 'ran':<10} {executed} (+ .html)")
            if failure:
                print(f"\n{failure}")
                return 1
        report = report_in_notebook(out / f"{STEP_NOTEBOOK}.ipynb")
        if report is None:
            print(f"{STEP_NOTEBOOK} published no verification report")
            return 1
        print(f"\n{report.to_text()}\n\nscratchpad {scratchpad}")
        if serve is not None:
            serve(box)
    return 0 if report.ok else 1
