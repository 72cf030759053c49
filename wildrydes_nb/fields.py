"""The values a learner gives or keeps: one table that errors, the command line, the forms,
rendering, the resolver and the scratchpad read.

Each :class:`Field` says once how the value is named (a form's label, a command's flag), what a
good value looks like (``example``), which step saves it to the scratchpad (``made_by``), whether
the resolver's precedence applies to it, and which check in :mod:`.inputs` it passes. A driver
never writes these again: it asks the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import DEFAULT_IDENTITY_POOL_NAME

@dataclass(frozen=True)
class Maker:
    """The step that saves a value to the scratchpad, as each driver names it."""

    notebook: str
    command: str


USER_POOL_STEP = Maker("01_user_pool", "wildrydes-nb user-pool")
IDENTITY_POOL_STEP = Maker("02_identity_pool", "wildrydes-nb identity-pool")


@dataclass(frozen=True)
class Field:
    """One value of the workbook, by its one name (parameter, scratchpad key, keyword, roster column)."""

    name: str
    label: str  # how a form, a message and the scratchpad's table name it
    flag: str | None = None  # how the command line names it
    example: str = ""  # a well-formed value, shown in placeholders, help and fixes
    placeholder: str = ""  # a form's hint in an empty field ("" : "e.g. <example>")
    made_by: Maker | None = None  # the step that saves it to the scratchpad
    resolved: bool = False  # taken by the one precedence: given > scratchpad > configuration > default
    kept: bool = False  # kept in the scratchpad
    checker: str | None = None  # the function of .inputs that checks one value of it (inputs.check_field)
    empty: str = ""  # what a form says when it is empty and no step fills it

    @property
    def hint(self) -> str:
        """A form's placeholder."""
        return self.placeholder or (f"e.g. {self.example}" if self.example else "")

    def empty_message(self) -> str:
        """What a form says under the field when it is empty: where its value comes from."""
        if self.made_by is None:
            return self.empty
        return (f"run {self.made_by.notebook} first: it saves the {self.label} to the scratchpad, and this "
                "field follows. Or paste it here.")

    def command_line_fix(self) -> str | None:
        """The command line's fix for a missing value: its flag, or the command that saves it;
        ``None`` when no step saves it (the error's own fix stands)."""
        if self.made_by is None or not self.flag:
            return None
        return f"Give it with {self.flag}, or run '{self.made_by.command}' first: it saves it to the scratchpad."


_TABLE = (
    Field("region", "Region", "--region", "us-east-2", resolved=True, kept=True, checker="check_region",
          empty="type a region code such as us-east-2 (none is in the scratchpad or your AWS configuration)."),
    Field("user_pool_id", "User Pool ID", "--user-pool-id", "us-east-2_AbC123xyz", made_by=USER_POOL_STEP,
          resolved=True, kept=True, checker="check_user_pool_id"),
    Field("app_client_id", "App client ID", "--app-client-id", "4cl1ent1d2abcdefghijklmnop",
          placeholder="26 letters and digits", made_by=USER_POOL_STEP, resolved=True, kept=True,
          checker="check_app_client_id"),
    Field("identity_pool_name", "Identity pool name", "--identity-pool-name", DEFAULT_IDENTITY_POOL_NAME,
          placeholder=DEFAULT_IDENTITY_POOL_NAME, resolved=True, kept=True, checker="check_identity_pool_name"),
    Field("identity_pool_id", "Identity Pool ID", "--identity-pool-id", "us-east-2:1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
          made_by=IDENTITY_POOL_STEP, resolved=True, kept=True, checker="check_identity_pool_id"),
    # What the Identity Pool ID was saved with: a view compares it with the user pool shown beside it.
    Field("identity_pool_user_pool_id", "Identity pool's user pool", made_by=IDENTITY_POOL_STEP, kept=True,
          checker="check_user_pool_id"),
    Field("identity_pool_app_client_id", "Identity pool's app client", made_by=IDENTITY_POOL_STEP, kept=True,
          checker="check_app_client_id"),
    Field("authenticated_role_arn", "Authenticated role ARN", made_by=IDENTITY_POOL_STEP, kept=True),
    Field("unauthenticated_role_arn", "Unauthenticated role ARN", made_by=IDENTITY_POOL_STEP, kept=True),
    # Accounts that restrict IAM: every role the step makes gets them (blank: none, and the root path).
    Field("permissions_boundary", "Permissions boundary", "--permissions-boundary",
          "arn:aws:iam::123456789012:policy/WorkshopBoundary", placeholder="none (policy ARN, if your account needs one)",
          checker="check_permissions_boundary"),
    Field("role_path", "Role path", "--role-path", "/workshop/", placeholder="/ (or your account's, e.g. /workshop/)",
          checker="check_role_path"),
    Field("profile", "AWS profile", "--profile"),
    Field("allow_unauthenticated", "Allow unauthenticated identities", "--allow-unauthenticated"),
    Field("delete_user_pool", "Delete the user pool too", "--delete-user-pool"),
    Field("scratchpad_path", "Scratchpad", "--scratchpad"),
    Field("port", "Port", "--port"),
)
FIELDS: dict[str, Field] = {f.name: f for f in _TABLE}

# Derived views, for the readers that want one column of the table.
# A message names a text field by its label; other values (a parameter such as ``profile`` or
# ``proof``, a checkbox) by the name the learner set them with.
LABELS = {f.name: f.label for f in _TABLE if f.checker}
FLAGS = {f.name: f.flag for f in _TABLE if f.flag}
RESOLVED = tuple(f.name for f in _TABLE if f.resolved)  # what resolve.resolve decides
KEPT = tuple(f.name for f in _TABLE if f.kept)  # the scratchpad's keys, in the order shown


def label(name: str) -> str:
    """How a message names the field ``name`` (its label, else the name itself)."""
    return LABELS.get(name, name)


def example(name: str) -> str:
    """A well-formed value of the field ``name``."""
    return FIELDS[name].example
