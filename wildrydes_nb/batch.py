"""Run the identity-pool notebook for every learner of a class roster, in parallel, and grade it."""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from . import NOTEBOOKS_DIR, STEP_NOTEBOOK, class_run, listing, locks
from .errors import BusyError, WildrydesError
from .report import (FAIL, INTERRUPTED, NOT_PROVEN, NOT_RUN, PASS, SET_UP, Report, changes_in_notebook,
                     proof_outcome, report_in_notebook)
from .roster import Learner

NOTEBOOK = NOTEBOOKS_DIR / f"{STEP_NOTEBOOK}.ipynb"
RESULT_FILE = "result.json"
# In the output folder, beside the learners' folders (whose names start with a letter or digit).
BACKOFF_FOLDER = ".backoff"  # the class's shared back-off when AWS throttles (backoff.py)
LISTINGS_FOLDER = ".listings"  # each learner's snapshot of the runner's one listing (listing.py)
_PR_SET_PDEATHSIG = 1  # prctl option, <linux/prctl.h>


FEEDBACK_FILE = "feedback.html"


@dataclass
class Outcome:
    """How one learner's run ended; ``checks`` maps every check id to its status (report.STATUSES)."""

    learner: str
    # pass | set up (passed after this run created or repaired something) | fail | not proven (the
    # setup is right; the sign-in proof could not be made there) | interrupted
    status: str
    identity_pool_id: str = ""
    checks: dict[str, str] = field(default_factory=dict)
    message: str = ""
    notebook: str = ""  # the executed notebook, rendered (HTML), relative to the output folder
    seconds: float = 0.0
    calls: list[dict] = field(default_factory=list)  # the AWS calls of the verification, redacted
    changes: list[str] = field(default_factory=list)  # what this run created or repaired for the learner
    proof: str = NOT_RUN  # the sign-in proof's outcome: pass | fail | not proven | not run
    fix: str = ""  # what the learner does next, in one line (empty when nothing is to be done)
    feedback: str = ""  # the learner's feedback page, relative to the output folder


def _graded(outcome: Outcome, report: Report | None) -> Outcome:
    """``outcome`` completed from the verification ``report``: every check's status, the proof, the fix."""
    if report is not None:
        made_by = report.facts.get("made_by")
        if made_by and outcome.status == PASS:  # passed, but the tool made the pool: not the learner's plain pass
            outcome.status = SET_UP
            outcome.changes = outcome.changes or [f"the identity pool was made by a {made_by}, not by the learner"]
        outcome.checks = report.statuses()
        outcome.calls = report.calls
        outcome.identity_pool_id = report.facts.get("identity_pool_id", "")
        outcome.proof = proof_outcome(outcome.checks)
        failing = [c for c in report.checks if c.status in (FAIL, NOT_PROVEN)]
        outcome.message = outcome.message or "; ".join(f"{c.name}: {c.detail}" for c in failing)
        outcome.fix = outcome.fix or next((c.fix for c in failing if c.fix), "")
    if not outcome.fix and " Fix: " in outcome.message:  # a WildrydesError's message ends with its fix
        outcome.fix = outcome.message.split(" Fix: ", 1)[1]
    return outcome


def _run_notebook(learner: Learner, folder: Path, notebook: Path) -> tuple[Outcome, Report | None]:
    from papermill.exceptions import PapermillExecutionError

    from .headless import run_notebook

    output = folder / notebook.name
    outcome = Outcome(learner.learner, FAIL)
    try:
        # Kernels on private IPC sockets: learners starting at once never race for a TCP port.
        run_notebook(notebook, output,
                     {"region": learner.region, "user_pool_id": learner.user_pool_id,
                      "app_client_id": learner.app_client_id, "identity_pool_name": learner.identity_pool_name,
                      "scratchpad_path": str(folder / "scratchpad.json"), "auto_submit": True,
                      # an account's IAM restrictions, only when the roster gives them
                      **{name: value for name, value in (("permissions_boundary", learner.permissions_boundary),
                                                         ("role_path", learner.role_path)) if value}},
                     request_save_on_cell_execute=False,  # one write at the end: the run is not watched live
                     forked=True)  # the kernel forked from this process, which the runner warmed (_preload)
        outcome.status = "pass"
    except PapermillExecutionError as err:
        # The package's own errors are messages for the learner: their class name is not part of them.
        from . import errors

        ours = isinstance(getattr(errors, err.ename, None), type) and issubclass(getattr(errors, err.ename),
                                                                               errors.WildrydesError)
        outcome.message = err.evalue if ours else f"{err.ename}: {err.evalue}"
    outcome.changes = changes_in_notebook(output) or []
    report = report_in_notebook(output)
    if report is not None and outcome.status == PASS:
        outcome.status = SET_UP if report.verdict == PASS and outcome.changes else report.verdict
    elif report is None and outcome.status == PASS:
        outcome.status, outcome.message = FAIL, "the notebook ran but published no verification report"
    return _graded(outcome, report), report


def _verify_only(learner: Learner, prove: bool = False) -> tuple[Outcome, Report | None]:
    from . import steps

    given = {"region": learner.region, "user_pool_id": learner.user_pool_id, "app_client_id": learner.app_client_id,
             "identity_pool_name": learner.identity_pool_name, "identity_pool_id": learner.identity_pool_id}
    try:  # the roster's id, else the learner's pool of that name: the rule every command follows
        # The sign-in proof only when asked: it creates (then deletes) a test user.
        report = steps.verify(given, profile=learner.profile, proof=prove, missing_pool_fails=True)
    except WildrydesError as err:
        return _graded(Outcome(learner.learner, FAIL, message=str(err)), None), None
    return _graded(Outcome(learner.learner, report.verdict), report), report


def _child(learner: Learner, out_dir: str, verify_only: bool, notebook: str, prove: bool = False) -> None:
    """Entry point of one learner's process: its own session, scratchpad and kernel."""
    _die_with_parent()
    os.setsid()  # its own process group: a timeout or a stop kills the learner and what it started
    # The runner's stop handlers were inherited with the fork; the runner stops a learner by killing it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    folder = Path(out_dir) / learner.folder
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["WILDRYDES_SCRATCHPAD"] = str(folder / "scratchpad.json")
    # The class's shared back-off, and the runner's listing of the identity pools (if it has one),
    # for this process and, through its environment, its kernel (class_run.py).
    snapshot = Path(out_dir) / LISTINGS_FOLDER / f"{learner.folder}.json"
    for key, value in class_run.environment(Path(out_dir) / BACKOFF_FOLDER,
                                            snapshot if snapshot.exists() else None).items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    class_run.join()
    os.environ.pop("AWS_PROFILE", None)
    if learner.profile:
        os.environ["AWS_PROFILE"] = learner.profile
    start = time.monotonic()
    report = None
    try:
        outcome, report = (_verify_only(learner, prove) if verify_only
                           else _run_notebook(learner, folder, Path(notebook)))
    except WildrydesError as err:
        outcome = _graded(Outcome(learner.learner, FAIL, message=str(err)), None)
    except Exception as err:  # noqa: BLE001 - recorded for this learner; the others go on
        outcome = Outcome(learner.learner, FAIL, message=f"{type(err).__name__}: {err}")
    outcome.seconds = round(time.monotonic() - start, 2)
    executed = folder / Path(notebook).name
    if not verify_only and executed.exists():
        outcome.notebook = _rendered_notebook(executed, learner.folder)
    outcome.feedback = _write_feedback(folder, learner, outcome, report, "grading" if verify_only else "set-up")
    _write_result(folder, outcome)


def _what_was_left(folder: Path, learner: Learner, outcome: Outcome, mode: str) -> Outcome:
    """A learner stopped before its end (timeout, crash, stop) keeps what its run had learned: the
    Identity Pool ID its scratchpad holds, and a feedback page saying how it ended."""
    from .scratchpad import Scratchpad

    try:
        saved = Scratchpad(folder / "scratchpad.json").read()
    except WildrydesError:
        saved = {}
    outcome.identity_pool_id = outcome.identity_pool_id or saved.get("identity_pool_id") or ""
    if outcome.identity_pool_id and "identity pool" not in outcome.message:
        outcome.message += f" (it had saved the identity pool {outcome.identity_pool_id})"
    outcome.fix = outcome.fix or "Run it again (--resume runs only the learners that did not pass); it carries on " \
                                 "from what exists."
    folder.mkdir(parents=True, exist_ok=True)
    outcome.feedback = _write_feedback(folder, learner, outcome, None, mode)
    return outcome


_exporter = None  # nbconvert's HTML exporter, made (and warmed) once by the runner: its learners share it


def _html_exporter():
    global _exporter
    if _exporter is None:
        from nbconvert import HTMLExporter

        _exporter = HTMLExporter()
    return _exporter


def _rendered_notebook(executed: Path, learner: str) -> str:
    """The executed notebook as a web page beside it (relative link), or ``""`` if it cannot be."""
    try:
        page, _ = _html_exporter().from_filename(str(executed))
        executed.with_suffix(".html").write_text(page, encoding="utf-8")
    except Exception:  # noqa: BLE001 - a learner's feedback must not fail for its rendering
        return ""
    return f"{learner}/{executed.with_suffix('.html').name}"


def _write_feedback(folder: Path, learner: Learner, outcome: Outcome, report: Report | None, mode: str) -> str:
    """The learner's feedback page (their checklist with each fix, what the run changed, the
    rendered notebook); its link, relative to the output folder."""
    from . import render

    page = render.feedback_page(learner.learner, mode, outcome.status, outcome.proof, outcome.changes,
                                outcome.message, outcome.fix, report,
                                outcome.notebook.split("/", 1)[1] if outcome.notebook else "")
    try:
        (folder / FEEDBACK_FILE).write_text(page, encoding="utf-8")
    except OSError:
        return ""  # a full disk: the summary still has the learner's row, without a page
    return f"{learner.folder}/{FEEDBACK_FILE}"


def _die_with_parent() -> None:
    """Make this learner die with the runner, even when the runner is killed with ``kill -9``.

    On Linux the kernel sends the learner SIGKILL when the runner's thread that started it ends
    (``PR_SET_PDEATHSIG``). The learner's notebook kernel follows within a second: jupyter_client
    gives it its parent's pid (``JPY_PARENT_PID``) and ipykernel exits once that parent is gone.
    Elsewhere nothing watches: a killed runner's learners finish (or time out) on their own.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:
        os._exit(1)  # the runner died before the death signal was set: nobody is waiting for us


def _write_result(folder: Path, outcome: Outcome) -> None:
    """Write the learner's ``result.json`` atomically; a disk that is full (or gone) leaves no
    half-written file, and the outcome says what could not be kept instead of ending the run."""
    tmp = folder / (RESULT_FILE + ".tmp")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(asdict(outcome), indent=2), encoding="utf-8")
        tmp.replace(folder / RESULT_FILE)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        outcome.message = (outcome.message + " " if outcome.message else "") + \
            f"(its result could not be written to {folder}: {err.strerror or err}; --resume runs it again)"


def _read_result(folder: Path) -> Outcome | None:
    """The outcome a learner's process wrote, if it is one this package could have written: read
    back, it is checked (a forged status, link or id is not trusted, and the learner runs again)."""
    try:
        outcome = Outcome(**json.loads((folder / RESULT_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    return outcome if _trustworthy(outcome, folder.name) else None


def _trustworthy(outcome: Outcome, folder: str) -> bool:
    from .inputs import IDENTITY_POOL_ID_RE

    texts = (outcome.learner, outcome.status, outcome.identity_pool_id, outcome.message, outcome.notebook,
             outcome.proof, outcome.fix, outcome.feedback)
    links = [link for link in (outcome.notebook, outcome.feedback) if link]
    return (all(isinstance(text, str) for text in texts)
            and outcome.status in (PASS, SET_UP, NOT_PROVEN, FAIL, INTERRUPTED)
            and (not outcome.identity_pool_id or bool(IDENTITY_POOL_ID_RE.fullmatch(outcome.identity_pool_id)))
            # links only to the learner's own files, inside the output folder
            and all(link.startswith(f"{folder}/") and ".." not in link and ":" not in link
                    and "/" not in link[len(folder) + 1:] for link in links))


def run_batch(learners: list[Learner], out_dir: str | os.PathLike, *, workers: int | None = None,
              verify_only: bool = False, prove: bool = False, resume: bool = False, timeout: float = 300,
              notebook: str | os.PathLike = NOTEBOOK, progress: bool = True) -> list[Outcome]:
    """Run every learner in its own process, ``workers`` at a time, each within ``timeout`` seconds.

    A failure, timeout or crash is recorded for that learner and the others go on. With
    ``resume`` a learner whose last result in ``out_dir`` passed is not run again.

    Ctrl-C (SIGINT) or SIGTERM, when called from the main thread, stops the batch within a
    second: running learners are killed with their kernels and recorded as ``interrupted``, as
    are those not started yet, and the outcomes are returned as usual.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Held while this function runs (dropped, so released, when it returns): one batch per folder.
    _held = locks.acquire(out / ".batch.lock", wait=0, refused=lambda: BusyError(
        f"another batch is already running into {out}; two batches into one folder would mix their learners' "
        "results.", field="out", fix="Wait for it to finish, or give this batch another --out folder."))
    workers = max(1, workers or os.cpu_count() or 1)
    results: dict[str, Outcome] = {}
    todo = deque()
    for learner in learners:
        previous = _read_result(out / learner.folder) if resume else None
        if previous is not None and previous.status in (PASS, SET_UP, NOT_PROVEN):
            results[learner.learner] = previous
        else:
            (out / learner.folder / RESULT_FILE).unlink(missing_ok=True)
            todo.append(learner)
    _share_listings(list(todo), out)
    _preload(verify_only)
    context = multiprocessing.get_context("fork")
    running: dict = {}
    bar = _progress_bar(len(learners), len(results), progress)
    with _StopSignals() as stop:
        while todo or running:
            if stop.name:
                for learner in todo:
                    results[learner.learner] = Outcome(
                        learner.learner, INTERRUPTED, message=f"not started: the batch was stopped ({stop.name}); "
                                                              "--resume runs it")
                todo.clear()
            while todo and len(running) < workers:
                learner = todo.popleft()
                proc = context.Process(target=_child, args=(learner, str(out), verify_only, str(notebook), prove))
                proc.start()
                running[proc.sentinel] = (proc, learner, time.monotonic())
            wait(list(running), timeout=0.5)  # a stop signal is seen within this half second
            for sentinel, (proc, learner, started) in list(running.items()):
                seconds = round(time.monotonic() - started, 2)
                if proc.is_alive() and seconds < timeout and not stop.name:
                    continue
                ended = None  # how the runner ended it, when the learner could not say
                if proc.is_alive():
                    _kill_group(proc)
                    status, message = (INTERRUPTED, f"the batch was stopped ({stop.name}) while this learner ran; "
                                                    "--resume runs it again") if stop.name else \
                        (FAIL, f"timed out after {timeout:g} s")
                    ended = Outcome(learner.learner, status, message=message, seconds=seconds)
                proc.join()
                outcome = ended or _read_result(out / learner.folder) or Outcome(
                    learner.learner, FAIL, message=f"the learner's process crashed (exit code {proc.exitcode})")
                if ended is not None or not outcome.feedback:  # keep what was learned: the ids saved, a page
                    outcome = _what_was_left(out / learner.folder, learner, outcome,
                                             "grading" if verify_only else "set-up")
                _write_result(out / learner.folder, outcome)
                results[learner.learner] = outcome
                del running[sentinel]
            _update_bar(bar, results, len(running))
    if bar is not None:
        bar.close()
    return [results[learner.learner] for learner in learners]


class _StopSignals:
    """While the batch runs, SIGINT (Ctrl-C) and SIGTERM set ``name`` instead of raising at any
    line: the loop then stops every learner it started, none is lost between fork and bookkeeping,
    and a second Ctrl-C cannot break the stop half-way."""

    def __init__(self) -> None:
        self.name = ""
        self._previous: dict = {}

    def __enter__(self) -> "_StopSignals":
        if threading.current_thread() is threading.main_thread():  # only it may set handlers
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._stop)
        return self

    def _stop(self, signum, _frame) -> None:
        self.name = self.name or signal.Signals(signum).name

    def __exit__(self, *_exc) -> None:
        for signum, handler in self._previous.items():
            # None: a handler not set from Python; the default is the closest we can restore.
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def _share_listings(learners: list[Learner], out: Path) -> None:
    """List the identity pools once per account (profile) and region, and give each learner a
    snapshot for its pool name (see listing.py): one listing for the class, instead of one or more
    per learner that grow with the class. Where listing fails, each learner lists for itself and
    meets the error as it would alone."""
    from .aws import make_session

    folder = out / LISTINGS_FOLDER
    folder.mkdir(exist_ok=True)
    listings: dict[tuple, dict | None] = {}
    for learner in learners:
        account = (learner.profile, learner.region)
        if account not in listings:
            try:
                listings[account] = listing.take(make_session(learner.profile, learner.region))
            except Exception:  # noqa: BLE001 - the learners list for themselves, and say why it fails
                listings[account] = None
        path = folder / f"{learner.folder}.json"
        if listings[account] is None:
            path.unlink(missing_ok=True)
        else:
            listing.write_snapshot(path, learner.region, learner.identity_pool_name,
                                   listings[account].get(learner.identity_pool_name, []))


def _preload(verify_only: bool) -> None:
    """Import here what each learner's process needs: forked children inherit it, so each
    learner then pays only for its own kernel, not for a second of imports."""
    from . import render, verify  # noqa: F401 - every learner gets a feedback page

    if not verify_only:
        import nbclient  # noqa: F401
        import nbconvert  # noqa: F401 - the executed notebook, rendered for the learner's page
        import papermill  # noqa: F401
        import papermill.engines  # noqa: F401

        from . import headless

        headless.preload()  # what each learner's kernel imports: the kernels are forked from the learners
        # The first page costs half a second more (templates compiled, lexers loaded): paid here, once.
        _html_exporter().from_filename(str(NOTEBOOK))


def _kill_group(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _progress_bar(total: int, already: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=already, desc="learners", unit="learner")


def _update_bar(bar, results: dict[str, Outcome], running: int) -> None:
    if bar is None:
        return
    failed = sum(o.status == FAIL for o in results.values())
    bar.set_postfix(done=len(results) - failed, failed=failed, running=running, refresh=False)
    bar.update(len(results) - bar.n)


