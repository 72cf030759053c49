"""The one results vocabulary: a report made of checks (name, status, detail, fix)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

from .checks import REGISTRY

PASS = "pass"
FAIL = "fail"
# The check could not run (the sign-in proof, when the account keeps the package from making a
# test user sign in); ``detail`` says why, ``fix`` how to prove it. Not a failure: AWS refused
# nothing the web app will do.
NOT_PROVEN = "not proven"
# The check did not run: this mode does not run it (grading makes no test user), it does not
# apply (an unauthenticated role when they are off), or a failure above it already decides. It
# never changes the verdict.
NOT_RUN = "not run"

STATUSES = (PASS, FAIL, NOT_PROVEN, NOT_RUN)
# A learner's status in a class run, beside the report's verdicts (pass, fail, not proven):
# every check passed after the run created or repaired something for them (the tool did some of
# the work, so it is not their plain pass); or the run was stopped while they ran or waited.
SET_UP = "set up"
INTERRUPTED = "interrupted"
_MARK = {PASS: "PASS", FAIL: "FAIL", NOT_PROVEN: "NOT PROVEN", NOT_RUN: "NOT RUN"}

# The MIME types under which a notebook publishes a report, and what its step changed in AWS,
# so a batch run can read them back.
REPORT_MIME = "application/vnd.wildrydes-nb.report+json"
CHANGES_MIME = "application/vnd.wildrydes-nb.changes+json"


@dataclass(frozen=True)
class Check:
    """One line of a checklist: ``id`` is what code, columns and tests key on (``auth_role.trust.aud``);
    ``name`` is its wording, for people."""

    id: str
    name: str
    status: str
    detail: str = ""
    fix: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == PASS


@dataclass
class Report:
    """An ordered checklist with a title; ``ok`` when no check failed (see :attr:`verdict`)."""

    title: str
    checks: list[Check] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)  # ids worth showing beside the checks
    calls: list[dict] = field(default_factory=list)  # the AWS calls made for it, redacted (calls.CallLog.to_list)
    group_ids: tuple[str, ...] = ()  # every check this kind of report can hold (statuses() names them all)

    def add(self, id: str, status: str, detail: str = "", fix: str | None = None, *,  # noqa: A002
            name: str | None = None) -> Check:
        """Append the check ``id`` (registered in :mod:`.checks`, which words it, unless ``name``
        words it for this run) and return it."""
        if id not in REGISTRY:
            raise KeyError(f"check id {id!r} is not registered in wildrydes_nb.checks")
        check = Check(id, name or REGISTRY[id].wording, status, detail, None if status == PASS else fix)
        self.checks.append(check)
        return check

    @property
    def verdict(self) -> str:
        """``fail`` if a check failed (or none ran), else ``not proven`` if the proof could not be
        made here, else ``pass``. A check not run never changes it."""
        statuses = {c.status for c in self.checks}
        if FAIL in statuses or not statuses - {NOT_RUN}:
            return FAIL
        return NOT_PROVEN if NOT_PROVEN in statuses else PASS

    @property
    def ok(self) -> bool:
        """No check failed: a "not proven" proof is reported, but it is not a failure."""
        return self.verdict != FAIL

    def counts(self) -> dict[str, int]:
        """How many checks have each status."""
        out = dict.fromkeys(STATUSES, 0)
        for c in self.checks:
            out[c.status] += 1
        return out

    def summary(self) -> str:
        """One line: the counts and the verdict in words."""
        n = self.counts()
        parts = [f"{n[PASS]} passed", f"{n[FAIL]} failed"]
        parts += [f"{n[status]} {status}" for status in (NOT_PROVEN, NOT_RUN) if n[status]]
        words = {PASS: "all checks passed", NOT_PROVEN: "the setup is right, but the sign-in was not proven",
                 FAIL: "some checks did not pass"}
        return f"{', '.join(parts)}: {words[self.verdict]}"

    def statuses(self) -> dict[str, str]:
        """The status of every check of :attr:`group_ids` (``not run`` where none was reported), then
        of any other check reported: the same keys for every report of a kind."""
        found = {c.id: c.status for c in self.checks}
        if "proof" in self.group_ids and "proof" not in found and any(k.startswith("proof.") for k in found):
            found["proof"] = proof_outcome(found)  # the proof went on to its steps: its outcome is theirs
        return {**{check_id: found.get(check_id, NOT_RUN) for check_id in self.group_ids}, **found}

    def to_dict(self) -> dict:
        data = {"title": self.title, "ok": self.ok, "verdict": self.verdict, "facts": dict(self.facts),
                "checks": [asdict(c) for c in self.checks], "statuses": self.statuses()}
        return {**data, "calls": list(self.calls)} if self.calls else data

    @classmethod
    def from_dict(cls, data: dict) -> "Report":
        """The inverse of :meth:`to_dict`."""
        return cls(data["title"], [Check(**c) for c in data["checks"]], dict(data.get("facts", {})),
                   list(data.get("calls", [])), tuple(data.get("statuses", {})))

    def _repr_mimebundle_(self, include=None, exclude=None):
        # Text for a human, the data for a machine reading the executed notebook.
        return {"text/plain": self.to_text(), REPORT_MIME: self.to_dict()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_text(self) -> str:
        """Plain text, one line per check, the fix indented under a check that did not pass.

        What AWS said is quoted in details: its control characters are escaped, for a terminal."""
        from .inputs import printable

        lines = [printable(self.title)]
        lines += [f"  {k}: {printable(v)}" for k, v in self.facts.items()]
        for c in self.checks:
            lines.append(f"  [{_MARK[c.status]}] {printable(c.name)}" + (f" — {printable(c.detail)}" if c.detail else ""))
            if c.fix:
                label = {NOT_PROVEN: "to prove it", NOT_RUN: "to run it"}.get(c.status, "fix")
                lines.append(f"         {label}: {printable(c.fix)}")
        lines.append(f"  {self.summary()}")
        return "\n".join(lines)


def proof_outcome(statuses: dict[str, str]) -> str:
    """The sign-in proof's outcome from a report's :meth:`Report.statuses`: ``fail`` if any of its
    steps failed, ``not proven`` if it could not be made here, ``pass`` if it went to the end,
    else ``not run``."""
    from .checks import PROOF, PROOF_ROLE, ids

    values = [statuses.get(check_id, NOT_RUN) for check_id in ids("proof")]
    if FAIL in values:
        return FAIL
    if statuses.get(PROOF) == NOT_PROVEN:
        return NOT_PROVEN
    return PASS if statuses.get(PROOF_ROLE) == PASS else NOT_RUN


def _published(path: str | os.PathLike, mime: str):
    """The last output of type ``mime`` an executed notebook published, if any."""
    try:
        with open(path, encoding="utf-8") as handle:
            cells = json.load(handle)["cells"]
    except (OSError, ValueError, KeyError):
        return None
    found = [out["data"][mime] for cell in cells for out in cell.get("outputs", [])
             if mime in out.get("data", {})]
    return found[-1] if found else None


def report_in_notebook(path: str | os.PathLike) -> Report | None:
    """The last report an executed notebook published (under :data:`REPORT_MIME`), if any."""
    found = _published(path, REPORT_MIME)
    return Report.from_dict(found) if found else None


def changes_in_notebook(path: str | os.PathLike) -> list[str] | None:
    """What the step changed in AWS, as an executed notebook published it (:data:`CHANGES_MIME`);
    ``None`` when it published nothing (the step did not finish)."""
    found = _published(path, CHANGES_MIME)
    return [str(change) for change in found.get("changes", [])] if isinstance(found, dict) else None
