"""Regenerate the tests' expected notebooks (tests/notebooks/*.ipynb) from the shipped ones.

Each shipped notebook is run headless by papermill against a fresh local sandbox, arranged
and parameterized exactly as the test run does it (tests/workbook.py); the outputs are then
sanitized and stored. Run it after changing a notebook, a form or a rendering, and review the
diff: it is what the tests will expect from now on.

    .venv/bin/python scripts/regen_expected.py              # all notebooks
    .venv/bin/python scripts/regen_expected.py 02_identity_pool
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
import papermill

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import workbook  # noqa: E402 - lives in tests/, shared with the test run

from wildrydes_nb.sandbox import sandbox_environment  # noqa: E402
from wildrydes_nb.scratchpad import ENV_VAR as SCRATCHPAD_ENV_VAR  # noqa: E402


def main(argv: list[str]) -> int:
    names = argv or list(workbook.NOTEBOOKS)
    unknown = sorted(set(names) - set(workbook.NOTEBOOKS))
    if unknown:
        print(f"unknown notebook(s): {', '.join(unknown)}; choose from {', '.join(workbook.NOTEBOOKS)}",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="wildrydes-regen-") as folder, sandbox_environment() as box:
        # Never the learner's own scratchpad, even for a notebook run without scratchpad_path.
        os.environ[SCRATCHPAD_ENV_VAR] = str(Path(folder) / "scratchpad.json")
        for name in names:
            scratchpad_path = Path(folder) / name / "scratchpad.json"
            workbook.arrange(name, box, scratchpad_path)
            executed = papermill.execute_notebook(
                str(workbook.SHIPPED_DIR / f"{name}.ipynb"), str(Path(folder) / f"{name}.ipynb"),
                parameters=workbook.parameters(name, scratchpad_path), progress_bar=False,
                cwd=str(workbook.EXPECTED_DIR))
            target = workbook.EXPECTED_DIR / f"{name}.ipynb"
            nbformat.write(workbook.to_expected(executed), str(target))
            print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
