"""Run at the start of every kernel that `wildrydes-nb lab` starts (its PYTHONSTARTUP).

A learner who restarts the kernel and then runs a cell further down meets names that the cells
above made; Python calls that a NameError. This says what to do instead.
"""

try:
    from wildrydes_nb.hints import install as _install

    _install()
    del _install
except Exception:  # noqa: BLE001 - a hint must never keep a kernel from starting
    pass
