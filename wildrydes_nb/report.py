"""The one results vocabulary: a report made of checks (name, status, detail, fix)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

PASS = "pass"
FAIL = "fail"
SKIP = "skip"  # the check could not run; ``detail`` says why, ``fix`` how to make it run

_MARK = {PASS: "PASS", FAIL: "FAIL", SKIP: "SKIP"}

# The MIME type under which a notebook publishes a report, so a batch run can read it back.
REPORT_MIME = "application/vnd.wildrydes-nb.report+json"


@dataclass(frozen=True)
class Check:
    """One line of a checklist."""

    name: str
    status: str
    detail: str = ""
    fix: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == PASS


@dataclass
class Report:
    """An ordered checklist with a title; ``ok`` only when every check passed."""

    title: str
    checks: list[Check] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)  # ids worth showing beside the checks

    def add(self, name: str, status: str, detail: str = "", fix: str | None = None) -> Check:
        """Append a check and return it."""
        check = Check(name, status, detail, None if status == PASS else fix)
        self.checks.append(check)
        return check

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def counts(self) -> dict[str, int]:
        """How many checks have each status."""
        out = {PASS: 0, FAIL: 0, SKIP: 0}
        for c in self.checks:
            out[c.status] += 1
        return out

    def to_dict(self) -> dict:
        return {"title": self.title, "ok": self.ok, "facts": dict(self.facts),
                "checks": [asdict(c) for c in self.checks]}

    @classmethod
    def from_dict(cls, data: dict) -> "Report":
        """The inverse of :meth:`to_dict`."""
        return cls(data["title"], [Check(**c) for c in data["checks"]], dict(data.get("facts", {})))

    def _repr_mimebundle_(self, include=None, exclude=None):
        # Text for a human, the data for a machine reading the executed notebook.
        return {"text/plain": self.to_text(), REPORT_MIME: self.to_dict()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_text(self) -> str:
        """Plain text, one line per check, the fix indented under a failure."""
        lines = [self.title]
        lines += [f"  {k}: {v}" for k, v in self.facts.items()]
        for c in self.checks:
            lines.append(f"  [{_MARK[c.status]}] {c.name}" + (f" — {c.detail}" if c.detail else ""))
            if c.fix:
                lines.append(f"         fix: {c.fix}")
        n = self.counts()
        lines.append(f"  {n[PASS]} passed, {n[FAIL]} failed, {n[SKIP]} skipped")
        return "\n".join(lines)


def report_in_notebook(path: str | os.PathLike) -> Report | None:
    """The last report an executed notebook published (under :data:`REPORT_MIME`), if any."""
    try:
        with open(path, encoding="utf-8") as handle:
            cells = json.load(handle)["cells"]
    except (OSError, ValueError, KeyError):
        return None
    found = [out["data"][REPORT_MIME] for cell in cells for out in cell.get("outputs", [])
             if REPORT_MIME in out.get("data", {})]
    return Report.from_dict(found[-1]) if found else None
