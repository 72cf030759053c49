"""The scratchpad as live state: one observable object per scratchpad file in a kernel.

Forms and views observe :attr:`ScratchpadState.values` (a traitlets trait, the observer mechanism
ipywidgets itself is built on) and redraw when it changes, whoever changed the file: a form of
this notebook, another notebook's kernel, or the command line. A change made here is seen at once
(the forms call :meth:`~ScratchpadState.refresh` after their actions); a change made elsewhere
within :data:`POLL_SECONDS`, by a watcher thread that compares the file's inode, size and
modification time. Polling a ``stat`` is cheap and needs no help from JupyterLab; re-reading only
when the learner touches a form would leave an open notebook saying "is empty" after 01 saved
the ids, which is the very thing to avoid.
"""

from __future__ import annotations

import logging
import os
import threading

from traitlets import Dict, HasTraits

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
_STATES: dict[str, "ScratchpadState"] = {}
_STATES_LOCK = threading.Lock()


class ScratchpadState(HasTraits):
    """The values of one scratchpad file; ``values`` changes when the file does."""

    values = Dict()

    def __init__(self, scratchpad):
        super().__init__()
        self.scratchpad = scratchpad
        self._lock = threading.Lock()
        self._stamp: object = None
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        self.refresh(force=True)  # a scratchpad that cannot be read says so now, where it is opened

    def _file_stamp(self):
        try:
            st = os.stat(self.scratchpad.path)
        except OSError:
            return "missing"
        # A write replaces the file (a new inode); size and time catch an edit in place.
        return st.st_ino, st.st_size, st.st_mtime_ns

    def refresh(self, *, force: bool = False) -> bool:
        """Read the file again if it changed since the last read; returns whether ``values`` changed."""
        with self._lock:
            stamp = self._file_stamp()
            if stamp == self._stamp and not force:
                return False
            values = self.scratchpad.read()
            self._stamp = stamp
        old = self.values
        self.values = values  # observers run here, outside the lock
        return values != old

    def watch(self, every: float | None = None) -> None:
        """Follow changes made by other processes, from a daemon thread (started once)."""
        if self._watcher is not None:
            return
        self._watcher = threading.Thread(target=self._poll, args=(every or POLL_SECONDS,), daemon=True,
                                         name="wildrydes-scratchpad-watch")
        self._watcher.start()

    def stop(self) -> None:
        """Stop the watcher thread (tests; a kernel's end stops it anyway)."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(5)
            self._watcher = None

    def _poll(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - a broken file is reported by the next action that reads it
                log.debug("scratchpad not re-read", exc_info=True)


def of(scratchpad) -> ScratchpadState:
    """The one state of ``scratchpad``'s file in this process (forms and views share it)."""
    key = os.path.abspath(os.path.expanduser(scratchpad.path))
    with _STATES_LOCK:
        if key not in _STATES:
            _STATES[key] = ScratchpadState(scratchpad)
        return _STATES[key]
