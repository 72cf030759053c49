"""Collect the expected notebooks here as nbval tests, one item per code cell.

For each ``tests/notebooks/NAME.ipynb`` (a shipped notebook with its expected outputs):
papermill prepares a parameterized copy (``auto_submit=True``, a scratchpad of its own) at
collection; before the kernel starts, the sandbox is emptied and seeded with what the
notebook builds on; nbval then runs the copy's cells in that kernel, which inherits the
session's sandbox environment, and compares each cell's outputs with the expected ones,
after the sanitize file has replaced generated ids. A cell tagged ``nbval-ignore-output``
is run but not compared. No ``--nbval`` flag is needed, and ``--collect-only`` lists the cells.
"""

from collections import defaultdict

import nbformat
from nbval.plugin import IPyNbCell, IPyNbFile, find_metadata_tags

import workbook


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".ipynb" and file_path.stem in workbook.NOTEBOOKS:
        return WorkbookNotebook.from_parent(parent, path=file_path)
    return None


class WorkbookNotebook(IPyNbFile):
    """An expected notebook, run from its papermill-prepared copy under the sandbox."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skip_compare = (*self.skip_compare, *workbook.UNCOMPARED_MIME)

    @property
    def scratchpad_path(self):
        return workbook.ARTIFACTS_DIR / self.path.stem / "scratchpad.json"

    def collect(self):
        self.prepared = workbook.prepare(self.path, self.scratchpad_path)
        self.nb = nbformat.read(str(self.prepared), as_version=4)
        code_cells = [cell for cell in self.nb.cells if cell.cell_type == "code"]
        for number, cell in enumerate(code_cells):
            options = defaultdict(bool, find_metadata_tags(cell.metadata))
            options.setdefault("check", True)
            yield IPyNbCell.from_parent(self, name=f"Cell {number}", cell_num=number, cell=cell, options=options)

    def setup(self):
        # The session's sandbox (started by tests/conftest.py before collection).
        workbook.arrange(self.path.stem, self.config._wildrydes_sandbox, self.scratchpad_path)
        super().setup()

    def get_sanitize_files(self):
        return [str(workbook.SANITIZE_FILE), *super().get_sanitize_files()]
