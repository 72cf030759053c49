"""The class roster: read a CSV or YAML file of learners, check every row, and refuse bad ones up front."""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

from . import DEFAULT_IDENTITY_POOL_NAME, roles
from .errors import InputError, RosterError
from .inputs import check_identity_pool_id, check_plain, check_step_input, shown, strip_pasted


REQUIRED = ("learner", "region", "user_pool_id", "app_client_id")


COLUMNS = (*REQUIRED, "identity_pool_name", "profile", "identity_pool_id")


LEARNER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


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
