"""Hints for a learner in a notebook: what a NameError after a kernel restart means."""

from __future__ import annotations

HINT = ("name '{name}' is not defined yet: run the cells above first (Run → Run All Above Selected "
        "Cell). After a kernel restart, Python has forgotten what they made.")


def install(shell=None) -> bool:
    """Make IPython show :data:`HINT` instead of a NameError traceback; False outside IPython."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((NameError,), _show_hint)
    return True


def _show_hint(shell, etype, value, tb, tb_offset=None):
    if not _raised_in_the_cell(tb):  # a NameError inside a library is a bug: the usual traceback
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None
    name = getattr(value, "name", None) or str(value)
    structured = [f"{etype.__name__}: {HINT.format(name=name)}"]
    # IPython ignores what a custom handler returns; showing it is the handler's job, and
    # _showtraceback is where the kernel turns a structured traceback into the cell's error.
    shell._showtraceback(etype, value, structured)
    return structured


def _raised_in_the_cell(tb) -> bool:
    """Whether the error was raised by the cell's own code (tb starts in IPython's run_code)."""
    cell = tb.tb_next
    if cell is None:
        return False
    deepest = cell
    while deepest.tb_next is not None:
        deepest = deepest.tb_next
    return deepest.tb_frame.f_code.co_filename == cell.tb_frame.f_code.co_filename
