"""Run the identity-pool notebook for every learner of a class roster, in parallel, and grade it."""

from __future__ import annotations

import csv
import ctypes
import html
import json
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from . import DEFAULT_IDENTITY_POOL_NAME, NOTEBOOKS_DIR, STEP_NOTEBOOK, backoff, listing, locks, roles
from .errors import BusyError, InputError, RosterError, WildrydesError
from .inputs import check_identity_pool_id, check_plain, check_step_input, shown, strip_pasted
from .report import FAIL, NOT_PROVEN, PASS, SKIP, changes_in_notebook, report_in_notebook

NOTEBOOK = NOTEBOOKS_DIR / f"{STEP_NOTEBOOK}.ipynb"
REQUIRED = ("learner", "region", "user_pool_id", "app_client_id")
COLUMNS = (*REQUIRED, "identity_pool_name", "profile", "identity_pool_id")
LEARNER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
RESULT_FILE = "result.json"
# In the output folder, beside the learners' folders (whose names start with a letter or digit).
BACKOFF_FOLDER = ".backoff"  # the class's shared back-off when AWS throttles (backoff.py)
LISTINGS_FOLDER = ".listings"  # each learner's snapshot of the runner's one listing (listing.py)
INTERRUPTED = "interrupted"  # the batch was stopped (Ctrl-C) while this learner ran or waited
# Every check passed, after this run created or repaired something for the learner: the tool did
# (some of) the work, so it is not the learner's plain pass.
SET_UP = "set up"
_CSS = {PASS: "pass", FAIL: "fail", NOT_PROVEN: "unproven", SKIP: "skip", INTERRUPTED: "interrupted",
        SET_UP: "setup"}
_PR_SET_PDEATHSIG = 1  # prctl option, <linux/prctl.h>


@dataclass(frozen=True)
class Learner:
    """One checked roster row."""

    row: int
    learner: str
    region: str
    user_pool_id: str
    app_client_id: str
    identity_pool_name: str = DEFAULT_IDENTITY_POOL_NAME
    profile: str | None = None
    identity_pool_id: str | None = None


@dataclass
class Outcome:
    """How one learner's run ended; ``checks`` maps check id to its status (report.STATUSES)."""

    learner: str
    # pass | set up (passed after this run created or repaired something) | fail | not proven (the
    # setup is right; the sign-in proof could not run) | interrupted
    status: str
    identity_pool_id: str = ""
    checks: dict[str, str] = field(default_factory=dict)
    message: str = ""
    notebook: str = ""
    seconds: float = 0.0
    calls: list[dict] = field(default_factory=list)  # the AWS calls of the verification, redacted
    changes: list[str] = field(default_factory=list)  # what this run created or repaired for the learner


def _load_rows(path: Path) -> list[dict]:
    if path.suffix.lower() in (".yml", ".yaml"):
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or []
        rows = data.get("learners", []) if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise RosterError([(0, "a YAML roster is a list of mappings (or 'learners:' with one)")], str(path))
        return [{k: "" if v is None else str(v) for k, v in r.items()} for r in rows]
    # The csv module reads the file itself: a quoted newline stays in its field (and is then
    # refused), and no other line separator (\u2028, \x1c) splits a row. utf-8-sig: Excel's BOM.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _plain_columns(values: dict[str, str]) -> str | None:
    """The first column holding a token, a key or a control character, as a message."""
    for column in COLUMNS:
        try:
            check_plain(values.get(column) or "", column)
        except InputError as err:
            return str(err)
    return None


def _learner_problem(name: str, seen: dict[str, tuple[int, str]]) -> str | None:
    """Why ``name`` cannot name a learner's folder beside the others and the summary, if it cannot."""
    if not LEARNER_RE.fullmatch(name):
        return f"learner {shown(name)} must be letters, digits, '.', '_' or '-' (it names a folder)"
    if name.lower().startswith("summary."):
        return f"learner {shown(name)} is the name of a summary file in the output folder; choose another name"
    if name.lower() in seen:
        row, first = seen[name.lower()]
        if first == name:
            return f"learner {shown(name)} already on row {row}"
        # One folder on a case-insensitive disk (macOS, Windows): their runs would overwrite each other.
        return f"learner {shown(name)} differs only in case from {shown(first)} on row {row}"
    return None


def _yaml_error() -> type[Exception]:
    import yaml

    return yaml.YAMLError


def read_roster(path: str | os.PathLike) -> list[Learner]:
    """Read and check a CSV or YAML roster; every bad row is reported at once, with its number.

    Row numbers count the data rows from 1 (the CSV header is not a row).
    """
    path = Path(path)
    try:
        rows = _load_rows(path)
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror}.", field="roster",
                         fix="Give the path of a CSV or YAML roster.") from None
    except (UnicodeDecodeError, csv.Error, _yaml_error()) as err:
        raise RosterError([(0, f"the file cannot be read as CSV or YAML ({err})")], str(path)) from None
    bad: list[tuple[int, str]] = []
    learners: list[Learner] = []
    seen: dict[str, tuple[int, str]] = {}  # lower-case learner -> (row, learner)
    role_rows: dict[tuple, tuple[int, str]] = {}  # (profile, lower-case role name) -> (row, role name)
    if not rows:
        bad.append((0, "the roster has no learners"))
    for number, raw in enumerate(rows, start=1):
        values = {k.strip(): strip_pasted(v, k)[0] for k, v in raw.items() if k}
        missing = [c for c in REQUIRED if not values.get(c)]
        if missing:
            bad.append((number, f"missing {', '.join(missing)}"))
            continue
        problem = _plain_columns(values) or _learner_problem(values["learner"], seen)
        if problem:
            bad.append((number, problem))
            continue
        name = values["learner"]
        seen[name.lower()] = (number, name)
        try:
            step = check_step_input(values["region"], values["user_pool_id"], values["app_client_id"],
                                    values.get("identity_pool_name") or DEFAULT_IDENTITY_POOL_NAME)
            pool_id = values.get("identity_pool_id") or None
            if pool_id:
                check_identity_pool_id(pool_id, step.region)
        except InputError as err:
            bad.append((number, str(err)))
            continue
        # IAM role names are account-wide and ignore case: two learners of one account (profile)
        # whose pools' roles match, in any region, would share (and race for) one role.
        role = roles.role_name(step.identity_pool_name)
        key = (values.get("profile") or None, role.lower())
        if key in role_rows:
            row, first = role_rows[key]
            bad.append((number, f"its role would be {first}, the role of row {row} (IAM role names are "
                                "account-wide and ignore case); give each learner of one account "
                                "(profile) an identity_pool_name of their own"))
            continue
        role_rows[key] = (number, role)
        learners.append(Learner(number, name, step.region, step.user_pool_id, step.app_client_id,
                                step.identity_pool_name, values.get("profile") or None, pool_id))
    if bad:
        raise RosterError(bad, str(path))
    return learners


def _run_notebook(learner: Learner, folder: Path, notebook: Path) -> Outcome:
    from papermill.exceptions import PapermillExecutionError

    from .headless import run_notebook

    output = folder / notebook.name
    outcome = Outcome(learner.learner, "fail", notebook=f"{learner.learner}/{notebook.name}")
    try:
        # Kernels on private IPC sockets: learners starting at once never race for a TCP port.
        run_notebook(notebook, output,
                     {"region": learner.region, "user_pool_id": learner.user_pool_id,
                      "app_client_id": learner.app_client_id, "identity_pool_name": learner.identity_pool_name,
                      "scratchpad_path": str(folder / "scratchpad.json"), "auto_submit": True},
                     request_save_on_cell_execute=False)  # one write at the end: the run is not watched live
        outcome.status = "pass"
    except PapermillExecutionError as err:
        outcome.message = f"{err.ename}: {err.evalue}"
    outcome.changes = changes_in_notebook(output) or []
    report = report_in_notebook(output)
    if report is not None:
        outcome.checks = {c.id: c.status for c in report.checks}
        outcome.calls = report.calls
        outcome.identity_pool_id = report.facts.get("identity_pool_id", "")
        if outcome.status == PASS:
            outcome.status = SET_UP if report.verdict == PASS and outcome.changes else report.verdict
        if outcome.status != PASS:
            outcome.message = outcome.message or "; ".join(f"{c.name}: {c.detail}" for c in report.checks
                                                           if not c.passed)
    elif outcome.status == "pass":
        outcome.status, outcome.message = "fail", "the notebook ran but published no verification report"
    return outcome


def _verify_only(learner: Learner) -> Outcome:
    from . import steps

    given = {"region": learner.region, "user_pool_id": learner.user_pool_id, "app_client_id": learner.app_client_id,
             "identity_pool_name": learner.identity_pool_name, "identity_pool_id": learner.identity_pool_id}
    try:  # the roster's id, else the learner's pool of that name: the rule every command follows
        # No sign-in proof: it creates a test user, and grading must not write to AWS.
        report = steps.verify(given, profile=learner.profile, proof=False)
    except WildrydesError as err:
        return Outcome(learner.learner, "fail", message=str(err))
    return Outcome(learner.learner, report.verdict, report.facts.get("identity_pool_id", ""),
                   {c.id: c.status for c in report.checks},
                   "; ".join(f"{c.name}: {c.detail}" for c in report.checks if not c.passed), calls=report.calls)


def _child(learner: Learner, out_dir: str, verify_only: bool, notebook: str) -> None:
    """Entry point of one learner's process: its own session, scratchpad and kernel."""
    _die_with_parent()
    os.setsid()  # its own process group: a timeout or a stop kills the learner and what it started
    # The runner's stop handlers were inherited with the fork; the runner stops a learner by killing it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    folder = Path(out_dir) / learner.learner
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["WILDRYDES_SCRATCHPAD"] = str(folder / "scratchpad.json")
    # The class's shared back-off, and the runner's listing of the identity pools (if it has one).
    os.environ[backoff.ENVIRONMENT_VARIABLE] = str(Path(out_dir) / BACKOFF_FOLDER)
    snapshot = Path(out_dir) / LISTINGS_FOLDER / f"{learner.learner}.json"
    listing.forget_changes()
    if snapshot.exists():
        os.environ[listing.ENVIRONMENT_VARIABLE] = str(snapshot)
    os.environ.pop("AWS_PROFILE", None)
    if learner.profile:
        os.environ["AWS_PROFILE"] = learner.profile
    start = time.monotonic()
    try:
        outcome = _verify_only(learner) if verify_only else _run_notebook(learner, folder, Path(notebook))
    except WildrydesError as err:
        outcome = Outcome(learner.learner, "fail", message=str(err))
    except Exception as err:  # noqa: BLE001 - recorded for this learner; the others go on
        outcome = Outcome(learner.learner, "fail", message=f"{type(err).__name__}: {err}")
    outcome.seconds = round(time.monotonic() - start, 2)
    executed = folder / Path(notebook).name
    if not verify_only and not outcome.notebook and executed.exists():
        outcome.notebook = f"{learner.learner}/{executed.name}"
    _write_result(folder, outcome)


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
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (RESULT_FILE + ".tmp")
    tmp.write_text(json.dumps(asdict(outcome), indent=2), encoding="utf-8")
    tmp.replace(folder / RESULT_FILE)


def _read_result(folder: Path) -> Outcome | None:
    try:
        return Outcome(**json.loads((folder / RESULT_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def run_batch(learners: list[Learner], out_dir: str | os.PathLike, *, workers: int | None = None,
              verify_only: bool = False, resume: bool = False, timeout: float = 300,
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
        previous = _read_result(out / learner.learner) if resume else None
        if previous is not None and previous.status in (PASS, SET_UP, NOT_PROVEN):
            results[learner.learner] = previous
        else:
            (out / learner.learner / RESULT_FILE).unlink(missing_ok=True)
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
                proc = context.Process(target=_child, args=(learner, str(out), verify_only, str(notebook)))
                proc.start()
                running[proc.sentinel] = (proc, learner, time.monotonic())
            wait(list(running), timeout=0.5)  # a stop signal is seen within this half second
            for sentinel, (proc, learner, started) in list(running.items()):
                seconds = round(time.monotonic() - started, 2)
                if proc.is_alive() and seconds < timeout and not stop.name:
                    continue
                if proc.is_alive():
                    _kill_group(proc)
                    status, message = (INTERRUPTED, f"the batch was stopped ({stop.name}) while this learner ran; "
                                                    "--resume runs it again") if stop.name else \
                        (FAIL, f"timed out after {timeout:g} s")
                    _write_result(out / learner.learner, Outcome(learner.learner, status, message=message,
                                                                 seconds=seconds))
                proc.join()
                outcome = _read_result(out / learner.learner) or Outcome(
                    learner.learner, "fail", message=f"the learner's process crashed (exit code {proc.exitcode})")
                _write_result(out / learner.learner, outcome)
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
        path = folder / f"{learner.learner}.json"
        if listings[account] is None:
            path.unlink(missing_ok=True)
        else:
            listing.write_snapshot(path, learner.region, learner.identity_pool_name,
                                   listings[account].get(learner.identity_pool_name, []))


def _preload(verify_only: bool) -> None:
    """Import here what each learner's process needs: forked children inherit it, so each
    learner then pays only for its own kernel, not for a second of imports."""
    if verify_only:
        from . import verify  # noqa: F401
    else:
        import nbclient  # noqa: F401
        import papermill  # noqa: F401
        import papermill.engines  # noqa: F401

        from . import headless  # noqa: F401


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


def check_names(outcomes: list[Outcome]) -> list[str]:
    """Every check id seen, in first-seen order (the summary's columns)."""
    names: dict[str, None] = {}
    for outcome in outcomes:
        names.update(dict.fromkeys(outcome.checks))
    return list(names)


def write_summaries(outcomes: list[Outcome], out_dir: str | os.PathLike) -> dict[str, Path]:
    """``summary.csv``, ``summary.json`` and ``summary.html`` in ``out_dir``: one row per learner."""
    out = Path(out_dir)
    names = check_names(outcomes)
    columns = ["learner", "status", "identity_pool_id", "changes", *names, "message", "notebook"]
    rows = [{"learner": o.learner, "status": o.status, "identity_pool_id": o.identity_pool_id,
             "changes": "; ".join(o.changes), **{n: o.checks.get(n, "") for n in names}, "message": o.message,
             "notebook": o.notebook}
            for o in outcomes]
    paths = {kind: out / f"summary.{kind}" for kind in ("csv", "json", "html")}
    with paths["csv"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    paths["json"].write_text(json.dumps([asdict(o) for o in outcomes], indent=2), encoding="utf-8")
    paths["html"].write_text(_html(columns, rows), encoding="utf-8")
    return paths


def _html(columns: list[str], rows: list[dict]) -> str:
    def cell(column: str, value: str) -> str:
        text = html.escape(str(value))
        if column == "notebook" and value:
            return f'<td><a href="{html.escape(value, quote=True)}">{text}</a></td>'
        css = f' class="{_CSS[value]}"' if value in _CSS else ""
        return f"<td{css}>{text}</td>"

    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "\n".join("<tr>" + "".join(cell(c, r[c]) for c in columns) + "</tr>" for r in rows)
    passed = sum(r["status"] == PASS for r in rows)
    set_up = sum(r["status"] == SET_UP for r in rows)
    unproven = sum(r["status"] == NOT_PROVEN for r in rows)
    stopped = sum(r["status"] == INTERRUPTED for r in rows)
    also = ((f", {set_up} set up by this run" if set_up else "") + (f", {unproven} not proven" if unproven else "")
            + (f", {stopped} interrupted" if stopped else ""))
    return ("<!doctype html><html><head><meta charset='utf-8'><title>Identity pool: class summary</title>"
            "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
            "padding:4px 8px;text-align:left}.pass{background:#d4edda}.fail{background:#f8d7da}"
            ".setup{background:#dbe9f6}.unproven{background:#fff3cd}.skip{background:#eee}.interrupted{background:#e2e3e5}</style></head><body>"
            f"<h1>Identity pool: {passed} of {len(rows)} learners passed{also}</h1>"
            f"<table><tr>{head}</tr>\n{body}</table></body></html>\n")


def summary_text(outcomes: list[Outcome]) -> str:
    """A one-screen summary: counts, then one line per learner who did not pass, with the reason."""
    count = {status: sum(o.status == status for o in outcomes)
             for status in (PASS, SET_UP, NOT_PROVEN, FAIL, INTERRUPTED)}
    lines = [f"{len(outcomes)} learners: {count[PASS]} passed, {count[SET_UP]} set up by this run (passed after it "
             f"created or repaired something), {count[NOT_PROVEN]} not proven, {count[FAIL]} failed"
             + (f", {count[INTERRUPTED]} interrupted" if count[INTERRUPTED] else "")]
    lines += [f"  {o.status.upper()} {o.learner}: {(o.message or '; '.join(o.changes))[:160]}"
              for o in outcomes if o.status != PASS]
    return "\n".join(lines)
