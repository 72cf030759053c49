"""The class summary of a batch run: summary.csv, summary.json and summary.html, and a one-screen text.

Every learner's row has the same columns, whatever the mode: the status, the sign-in proof, what
the run changed, the fix, and every check id (``not run`` where the mode did not run it).
"""

from __future__ import annotations

import csv
import json
import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, checks, render
from .batch import Outcome
from .errors import InputError, WildrydesError
from .report import FAIL, INTERRUPTED, NOT_PROVEN, NOT_RUN, PASS, SET_UP
from .roster import Learner

SCHEMA_VERSION = 1
POINTS_MAX_BYTES = 64 * 1024  # a points file is a few lines
STATUS_ORDER = (PASS, SET_UP, NOT_PROVEN, FAIL, INTERRUPTED)
CSV_COLUMNS = ("learner", "status", "sign_in_proof", "score", "max", "identity_pool_id", "changes", "failed", "fix", "message", "feedback",
               "notebook", "seconds", *checks.VERIFY_IDS)


@dataclass
class RunInfo:
    """What a summary says of the run itself: its job, when, and over which regions and profiles."""

    mode: str  # set-up | grading
    started: str = ""
    ended: str = ""
    learners: list[Learner] = field(default_factory=list)
    accounts: dict[str, str] = field(default_factory=dict)  # profile → AWS account id (accounts_of)

    def to_dict(self, outcomes: list[Outcome]) -> dict:
        return {"schema_version": SCHEMA_VERSION, "mode": self.mode, "started": self.started, "ended": self.ended,
                "version": __version__,
                "regions": sorted({learner.region for learner in self.learners}),
                "profiles": sorted({learner.profile or "(default)" for learner in self.learners}),
                "accounts": dict(self.accounts),
                "counts": {status: sum(o.status == status for o in outcomes) for status in STATUS_ORDER}}


def read_points(path: str | os.PathLike) -> dict[str, float]:
    """Points per check id from a small YAML file (``auth_role.trust.aud: 2``), read safely: a
    regular file of bounded size, no YAML aliases, known check ids, finite numbers of 0 or more."""
    import math

    import yaml

    where = Path(path)
    fix = ("Write one line per check id, e.g. 'auth_role.trust.aud: 2'; the ids are in "
           "wildrydes_nb/checks.py and summary.csv's columns.")
    if not where.is_file() or not 0 < where.stat().st_size <= POINTS_MAX_BYTES:
        raise InputError(f"{where} is not a regular, non-empty file of at most {POINTS_MAX_BYTES // 1024} KB.",
                         field="--points", fix=fix)
    text = where.read_text(encoding="utf-8-sig", errors="replace")
    try:
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text)):
            raise InputError(f"{where} uses YAML aliases, which a points file does not need.", field="--points",
                             fix=fix)
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as err:
        raise InputError(f"{where} cannot be read as YAML ({err}).", field="--points", fix=fix) from None
    if not isinstance(data, dict):
        raise InputError(f"{where} is not a mapping of check ids to points.", field="--points", fix=fix)
    points = {}
    for key, value in data.items():
        if key not in checks.VERIFY_IDS:
            raise InputError(f"{key!r} in {where} is not a check id.", field="--points", fix=fix)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise InputError(f"the points of {key} in {where} are {value!r}, not a number of 0 or more.",
                             field="--points", fix=fix)
        points[key] = float(value)
    return points


def accounts_of(learners: list[Learner]) -> dict[str, str]:
    """The AWS account each profile of the roster signs in to (STS GetCallerIdentity, one call per
    profile); ``unknown`` where it cannot be told (the learner's own row then says why)."""
    from .account import who_am_i
    from .aws import make_session

    found = {}
    for learner in learners:
        name = learner.profile or "(default)"
        if name not in found:
            try:
                found[name] = who_am_i(make_session(learner.profile, learner.region)).account
            except Exception:  # noqa: BLE001 - the summary says unknown; each learner meets the error itself
                found[name] = "unknown"
    return found


def _learner(outcome: Outcome, points: dict[str, float] | None = None) -> dict:
    statuses = {check_id: outcome.checks.get(check_id, NOT_RUN) for check_id in checks.VERIFY_IDS}
    failed = [checks.wording(check_id) for check_id, status in statuses.items() if status == FAIL]
    # A check earns its points when it passed; a proof "not proven" earns them too (it is not a
    # failure: the account kept it from being made), and "not run" earns none.
    score = sum(value for check_id, value in (points or {}).items() if statuses[check_id] in (PASS, NOT_PROVEN))
    return {"learner": outcome.learner, "status": outcome.status, "proof": outcome.proof,
            "score": score if points else None, "max": sum(points.values()) if points else None,
            "identity_pool_id": outcome.identity_pool_id, "changes": list(outcome.changes),
            "failed": failed, "fix": outcome.fix, "message": outcome.message, "feedback": outcome.feedback,
            "notebook": outcome.notebook, "seconds": outcome.seconds, "checks": statuses,
            "calls": list(outcome.calls)}


def run_folder(out_dir: str | os.PathLike, mode: str, started: str, resume: bool = False) -> Path:
    """The folder of this run under ``out_dir``: a new one per run (``<started>-<mode>``), so no run
    overwrites the last; with ``resume``, the latest run of the same mode. Made if missing."""
    out = Path(out_dir)
    latest = out / f"latest-{mode}"
    try:
        if resume:
            name = latest.read_text(encoding="utf-8").strip() if latest.is_file() else ""
            if not name or "/" in name or not (out / name).is_dir():
                raise InputError(f"there is no earlier {mode} run in {out} to resume.", field="--resume",
                                 fix="Leave --resume out to start a new run.")
            return out / name
        stamp = started.replace("-", "").replace(":", "")
        folder, n = out / f"{stamp}-{mode}", 1
        while folder.exists():
            n += 1
            folder = out / f"{stamp}-{mode}-{n}"
        folder.mkdir(parents=True)
        tmp = out / f".latest-{mode}.{os.getpid()}.tmp"
        tmp.write_text(folder.name + "\n", encoding="utf-8")
        tmp.replace(latest)
        return folder
    except OSError as err:
        raise InputError(f"cannot make the run's folder in {out}: {err.strerror or err}.", field="--out",
                         fix="Give a folder you can write to (it is made if missing), not a file.") from None


def _cell(value):
    """A CSV cell a spreadsheet shows as text: one starting with = + - @ (a formula to Excel or
    LibreOffice) gets a leading apostrophe, the usual guard."""
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def write_summaries(outcomes: list[Outcome], out_dir: str | os.PathLike, run: RunInfo | None = None,
                    points: dict[str, float] | None = None) -> dict[str, Path]:
    """``summary.csv``, ``summary.json`` and ``summary.html`` in ``out_dir``: one row per learner;
    with ``points`` (:func:`read_points`) a score per learner and ``grades.csv`` (learner, score,
    max) for a learning management system.

    ``summary.json`` follows ``wildrydes_nb/schemas/batch-summary.schema.json``."""
    out = Path(out_dir)
    run = run or RunInfo("set-up")
    meta = run.to_dict(outcomes)
    learners = [_learner(o, points) for o in outcomes]
    paths = {kind: out / f"summary.{kind}" for kind in ("csv", "json", "html")}
    try:
        _write_files(paths, out, meta, learners, points)
    except OSError as err:
        raise WildrydesError(f"cannot write the summary in {out}: {err.strerror or err}.", field="--out",
                             fix="Free some space (or fix the folder's permissions), then run the same command "
                                 "with --resume: the learners' results are kept.") from None
    return paths


def _write_files(paths: dict[str, Path], out: Path, meta: dict, learners: list[dict],
                 points: dict[str, float] | None) -> None:
    with paths["csv"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in learners:
            writer.writerow({key: _cell(value) for key, value in {
                **row, **row["checks"], "sign_in_proof": row["proof"], "changes": "; ".join(row["changes"]),
                "failed": "; ".join(row["failed"]),
                **({"score": f"{row['score']:g}", "max": f"{row['max']:g}"} if row["score"] is not None else {}),
            }.items()})
    paths["json"].write_text(json.dumps({**meta, "learners": learners}, indent=2), encoding="utf-8")
    rows = [{**row, "changes": "; ".join(row["changes"]), "failed": "; ".join(row["failed"])} for row in learners]
    paths["html"].write_text(render.class_summary(meta, rows), encoding="utf-8")
    if points:
        paths["grades"] = out / "grades.csv"
        with paths["grades"].open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["learner", "score", "max"])
            writer.writerows([_cell(row["learner"]), f"{row['score']:g}", f"{row['max']:g}"] for row in learners)


def summary_text(outcomes: list[Outcome], run: RunInfo | None = None) -> str:
    """A one-screen summary: the job and counts, then one line per learner who did not plainly pass."""
    count = {status: sum(o.status == status for o in outcomes) for status in STATUS_ORDER}
    job = "" if run is None else ("set-up (created and repaired in learners' accounts): " if run.mode == "set-up"
                                  else "grading (read only): ")
    lines = [f"{job}{len(outcomes)} learner{'s' * (len(outcomes) != 1)}: {count[PASS]} passed, {count[SET_UP]} set up by this run (passed "
             f"after it created or repaired something), {count[NOT_PROVEN]} not proven, {count[FAIL]} failed"
             + (f", {count[INTERRUPTED]} interrupted" if count[INTERRUPTED] else "")]
    lines += ["  " + textwrap.shorten(f"{o.status.upper()} {o.learner}: {o.message or '; '.join(o.changes)}"
                                     + (f" Fix: {o.fix}" if o.fix and "Fix:" not in o.message else ""), width=300,
                                     placeholder=" …") for o in outcomes if o.status != PASS]
    return "\n".join(lines)
