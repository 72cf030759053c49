"""File locks that keep two runs on one machine from doing the same work at the same time."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from filelock import FileLock, Timeout

from .errors import BusyError


def lock_folder() -> Path | None:
    """``~/.wildrydes/locks``: beside the scratchpad, out of the learner's working folder.

    ``None`` when the home folder cannot hold it (a read-only home in a container): runs then
    go without the lock, and the re-check after creating still leaves one identity pool.
    """
    folder = Path.home() / ".wildrydes" / "locks"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def acquire(path: Path, *, wait: float, refused: Callable[[], BusyError],
            waiting: Callable[[], None] = lambda: None) -> FileLock:
    """The lock at ``path``, held; ``waiting()`` is called once if another process holds it.

    Raises ``refused()`` when it is still held after ``wait`` seconds. The operating system
    releases a lock when its process ends, even by kill -9, so a lock file left behind is harmless.
    """
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        waiting()
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise refused() from None
    return lock
