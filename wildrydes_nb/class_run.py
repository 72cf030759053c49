"""A batch learner's process and kernel joining the class run: the shared back-off and the class's listing.

`batch` starts each learner in a process of its own, which runs the notebook in a kernel of its
own. Both are told the class's shared folders through the environment (the only way into a
kernel), and this module, run at their start (the kernel's ``PYTHONSTARTUP``), registers them
explicitly with the core: :func:`.aws.add_client_hook` for the back-off, :func:`.listing.use_snapshot`
for the listing. The core reads no environment variable of its own for them.
"""

from __future__ import annotations

import os
from pathlib import Path

BACKOFF_VARIABLE = "WILDRYDES_SHARED_BACKOFF"  # the class's shared back-off folder (backoff.py)
LISTING_VARIABLE = "WILDRYDES_IDENTITY_POOL_LISTING"  # this learner's snapshot of the class's listing
STARTUP_FILE = Path(__file__).resolve().with_name("class_kernel_startup.py")  # the kernels' PYTHONSTARTUP


def environment(backoff_folder: Path, snapshot: Path | None) -> dict[str, str | None]:
    """The variables a learner's process and kernel are started with (``None``: unset)."""
    return {BACKOFF_VARIABLE: str(backoff_folder), LISTING_VARIABLE: str(snapshot) if snapshot else None,
            "PYTHONSTARTUP": str(STARTUP_FILE)}


_joined = False


def join() -> None:
    """Register this process's class-run hooks from its environment (nothing outside a class run).
    Once per process: a kernel forked from its learner (headless.py) has them already, and its
    PYTHONSTARTUP asks again."""
    global _joined
    if _joined:
        return
    _joined = True
    from . import aws, backoff, listing, ownership

    ownership.set_maker("class set-up run")  # what it creates is the tool's work, and is graded so
    listing.forget_changes()
    listing.use_snapshot(os.environ.get(LISTING_VARIABLE) or None)
    if os.environ.get(BACKOFF_VARIABLE):
        aws.add_client_hook(backoff.hook(Path(os.environ[BACKOFF_VARIABLE])))

