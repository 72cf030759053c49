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


COLUMNS = (*REQUIRED, "identity_pool_name", "profile", "identity_pool_id", "permissions_boundary", "role_path")


LEARNER_MAX = 128  # characters of a learner's name: an email address fits
_NOT_IN_FOLDERS = re.compile(r"[^A-Za-z0-9._-]+")


def folder_name(learner: str) -> str:
    """The learner's folder in the output folder: their name where it is safe as one, else made so
    (``ana@example.com`` → ``ana_example.com``): letters, digits, ``.``, ``_`` and ``-``."""
    return _NOT_IN_FOLDERS.sub("_", learner).strip("._-")[:64] or "learner"


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
    permissions_boundary: str | None = None  # an account that restricts IAM: on every role made for the learner
    role_path: str | None = None
    folder: str = ""  # their folder in the output folder (folder_name), made from the name when not given

    def __post_init__(self):
        if not self.folder:
            object.__setattr__(self, "folder", folder_name(self.learner))


ROSTER_MAX_BYTES = 4 * 1024 * 1024  # a class of thousands fits; /dev/zero does not


def _load_rows(path: Path) -> list[dict]:
    # Only a regular file of bounded size: a FIFO would block for ever, /dev/zero fill the memory.
    if not path.is_file():
        raise InputError(f"{shown(str(path))} is not a regular file.", field="roster",
                         fix="Give the path of a CSV or YAML roster file.")
    if path.stat().st_size > ROSTER_MAX_BYTES:
        raise InputError(f"{shown(str(path))} is over {ROSTER_MAX_BYTES // (1024 * 1024)} MB; a roster is much "
                         "smaller.", field="roster", fix="Give the path of a CSV or YAML roster file.")
    if path.suffix.lower() in (".yml", ".yaml"):
        import yaml

        text = path.read_text(encoding="utf-8-sig")
        # A roster needs no YAML aliases; refusing them stops a "billion laughs" file of a few lines.
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text)):
            raise RosterError([(0, "the YAML roster uses aliases (*name), which a roster does not need; "
                                   "write each learner out")], str(path))
        data = yaml.safe_load(text) or []
        rows = data.get("learners", []) if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise RosterError([(0, "a YAML roster is a list of mappings (or 'learners:' with one)")], str(path))
        bad = [(n, f"the column name {k!r} is not text") for n, r in enumerate(rows, 1) for k in r
               if not isinstance(k, str)]
        if bad:
            raise RosterError(bad, str(path))
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
    """Why ``name`` cannot name a learner beside the others (their folders must differ), if it cannot."""
    if len(name) > LEARNER_MAX:
        return f"learner {shown(name[:40])}... has {len(name)} characters; at most {LEARNER_MAX}"
    folder = folder_name(name)
    if folder.lower().startswith("summary."):
        return f"learner {shown(name)} would have the name of a summary file as its folder; choose another name"
    if folder.lower() in seen:
        row, first = seen[folder.lower()]
        if first == name:
            return f"learner {shown(name)} already on row {row}"
        if first.lower() == name.lower():
            # One folder on a case-insensitive disk (macOS, Windows): their runs would overwrite each other.
            return f"learner {shown(name)} differs only in case from {shown(first)} on row {row}"
        return (f"learner {shown(name)} and {shown(first)} on row {row} would share the folder {shown(folder)}; "
                "give one of them another name")
    return None


def _yaml_error() -> type[Exception]:
    import yaml

    return yaml.YAMLError


def read_roster(path: str | os.PathLike) -> list[Learner]:
    """Read and check a CSV or YAML roster; every bad row is reported at once, with its number.

    Row numbers are a spreadsheet's: in a CSV the header is row 1, so the first learner is row 2;
    a YAML roster's entries are numbered from 1.
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
    seen: dict[str, tuple[int, str]] = {}  # lower-case folder -> (row, learner)
    role_rows: dict[tuple, tuple[int, str]] = {}  # (profile, lower-case role name) -> (row, role name)
    if not rows:
        bad.append((0, "the roster has no learners"))
    # A column missing from the whole roster is said once, not on every row.
    absent = [column for column in REQUIRED if rows and not any(column in {k.strip() for k in raw if k} for raw in rows)]
    if absent:
        raise RosterError([(0, f"the roster has no column {', '.join(absent)} (required: {', '.join(REQUIRED)})")],
                          str(path))
    first_row = 1 if path.suffix.lower() in (".yml", ".yaml") else 2
    for number, raw in enumerate(rows, start=first_row):
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
        seen[folder_name(name).lower()] = (number, name)
        try:
            step = check_step_input(values["region"], values["user_pool_id"], values["app_client_id"],
                                    values.get("identity_pool_name") or DEFAULT_IDENTITY_POOL_NAME,
                                    permissions_boundary=values.get("permissions_boundary"),
                                    role_path=values.get("role_path"))
            pool_id = values.get("identity_pool_id") or None
            if pool_id:
                check_identity_pool_id(pool_id, step.region)
        except InputError as err:
            bad.append((number, str(err)))
            continue
        # IAM role names are account-wide and ignore case: two learners of one account (profile)
        # whose pools' roles match, in any region, would share (and race for) one role.
        role = roles.role_name(step.identity_pool_name, region=step.region)
        key = (values.get("profile") or None, role.lower())
        if key in role_rows:
            row, first = role_rows[key]
            bad.append((number, f"its role would be {first}, the role of row {row} (IAM role names are "
                                "account-wide and ignore case); give each learner of one account "
                                "(profile) an identity_pool_name of their own"))
            continue
        role_rows[key] = (number, role)
        learners.append(Learner(number, name, step.region, step.user_pool_id, step.app_client_id,
                                step.identity_pool_name, values.get("profile") or None, pool_id,
                                step.permissions_boundary, step.role_path if step.role_path != "/" else None))
    if bad:
        raise RosterError(bad, str(path))
    return learners
