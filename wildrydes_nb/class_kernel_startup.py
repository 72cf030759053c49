"""Run at the start of each batch learner's kernel (its PYTHONSTARTUP): join the class run (class_run.py)."""

try:
    from wildrydes_nb.class_run import join as _join

    _join()
    del _join
except Exception:  # noqa: BLE001 - a class run's hooks must never keep a kernel from starting
    pass
