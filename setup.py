"""Packaging hook: the workbook's notebooks ship inside the package (``wildrydes_nb/notebooks``).

The checkout's ``notebooks/`` stays their source; a wheel (``pip install .``, ``pipx install``)
gets a copy at build time, so an installed ``wildrydes-nb`` finds them without a checkout.
Everything else is declared in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithNotebooks(build_py):
    """``build_py``, then the shipped notebooks copied into the built package."""

    def run(self):
        super().run()
        if self.editable_mode:
            return  # an editable install reads them from the checkout
        target = Path(self.build_lib) / "wildrydes_nb" / "notebooks"
        target.mkdir(parents=True, exist_ok=True)
        for notebook in sorted(Path(__file__).resolve().parent.glob("notebooks/*.ipynb")):
            shutil.copy2(notebook, target / notebook.name)


setup(cmdclass={"build_py": BuildWithNotebooks})
