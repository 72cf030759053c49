"""Write the workbook's notebooks (notebooks/*.ipynb) from their text sources (notebooks/*.md).

Each notebook's source is a MyST Markdown file: prose is reviewed and edited as Markdown, code
cells are ```{code-cell}``` blocks. Edit the .md (or the notebook in a JupyterLab opened on
notebooks/ itself, where jupytext pairs the two by notebooks/jupytext.toml and saves both), then run:

    .venv/bin/python scripts/build_notebooks.py          # write notebooks/*.ipynb, without outputs
    .venv/bin/python scripts/build_notebooks.py --check  # exit 1 if a notebook is not what this writes
    .venv/bin/python scripts/regen_expected.py           # then refresh the tests' expected outputs

A notebook edited and saved in JupyterLab without jupytext: `jupytext --sync notebooks/NAME.ipynb`
(run in the checkout, where notebooks/jupytext.toml pairs it) brings the change into its .md first.

The shipped notebooks carry no pairing of their own: a copy saved elsewhere writes no Markdown twin.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wildrydes_nb import NOTEBOOKS_DIR, WORKBOOK  # noqa: E402 - the checkout's package

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def source(name: str) -> Path:
    """The text source of notebook ``name``."""
    return NOTEBOOKS_DIR / f"{name}.md"


def build(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` as it is shipped: no outputs, stable cell ids, the python3 kernel."""
    nb = jupytext.read(source(name))
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for number, cell in enumerate(nb.cells, 1):
        cell.id = f"cell-{number:02d}"
        cell.metadata = {"tags": cell.metadata["tags"]} if cell.metadata.get("tags") else {}
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.validate(nb)
    return nb


def text(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def main(argv: list[str]) -> int:
    stale = []
    for name in WORKBOOK:
        path = NOTEBOOKS_DIR / f"{name}.ipynb"
        wanted = text(build(name))
        if "--check" in argv:
            if not path.exists() or path.read_text(encoding="utf-8") != wanted:
                stale.append(path)
        else:
            path.write_text(wanted, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    for path in stale:
        print(f"{path.relative_to(ROOT)} is not what scripts/build_notebooks.py writes from "
              f"{source(path.stem).name}; run it.", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
