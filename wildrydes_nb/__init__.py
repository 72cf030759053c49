"""A guided, testable workbook for the Wild Rydes step "Creating a Cognito Identity Pool".

Layers (each importable without the one above it):

1. logic over boto3: ``inputs``, ``aws``, ``account``, ``user_pool``, ``roles``,
   ``identity_pool``, ``verify``, ``cleanup``, ``scratchpad``, with ``errors`` and ``report``
   shared by all;
2. presentation: ``render`` (HTML/text) and ``forms`` (ipywidgets);
3. drivers: the notebooks, ``cli``, ``demo``, ``lab`` and ``batch``.

``sandbox`` (a local AWS endpoint built on moto) sits beside them.
"""

from pathlib import Path

__version__ = "0.1.0"

# The workbook's notebooks, in the order a learner takes them: inside the package when it was
# installed from a wheel (setup.py copies them there), else beside it in the checkout, where each
# NAME.ipynb is built from its text source NAME.md (scripts/build_notebooks.py).
_PACKAGED_NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
NOTEBOOKS_DIR = (_PACKAGED_NOTEBOOKS if (_PACKAGED_NOTEBOOKS / "02_identity_pool.ipynb").is_file()
                 else Path(__file__).resolve().parent.parent / "notebooks")
WORKBOOK = ("00_start_here", "01_user_pool", "02_identity_pool", "99_cleanup")
# The notebook of the step itself: what batch runs per learner.
STEP_NOTEBOOK = "02_identity_pool"

DEFAULT_IDENTITY_POOL_NAME = "wildrydes_identity_pool"
DEFAULT_USER_POOL_NAME = "WildRydes"
DEFAULT_APP_CLIENT_NAME = "wildrydes-web-app"
# IAM takes about 2 s, sometimes 5-10 s, to make a new role usable; a learner's sandbox does too.
SANDBOX_IAM_DELAY = 5.0
