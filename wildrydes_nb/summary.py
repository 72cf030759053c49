"""The class summary of a batch run: summary.csv, summary.json and summary.html, and a one-screen text."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import asdict
from pathlib import Path

from . import render
from .batch import Outcome
from .report import FAIL, INTERRUPTED, NOT_PROVEN, PASS, SET_UP


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
    paths["html"].write_text(render.class_summary(columns, rows), encoding="utf-8")
    return paths


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
