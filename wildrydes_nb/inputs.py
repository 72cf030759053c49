"""Clean and check the ids and names a learner types or pastes, before any AWS call."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import DEFAULT_IDENTITY_POOL_NAME
from .errors import InputError, MissingValueError
from .fields import FIELDS, example, label
from .redaction import looks_secret

# Service constraints (Cognito API reference); botocore only checks presence and type. AWS
# reads \w, \s and \d as ASCII, so re.ASCII: 'é' or a no-break space is refused here, not by AWS.
# Region codes of every partition botocore knows: us-east-2, us-gov-west-1, cn-north-1,
# us-isob-east-1, and the newer ones with a longer first part, such as eusc-de-east-1.
_REGION = r"[a-z]{2,4}(?:-[a-z]+){1,2}-\d{1,2}"
REGION_RE = re.compile(_REGION, re.ASCII)
USER_POOL_ID_RE = re.compile(r"[\w-]+_[0-9a-zA-Z]+", re.ASCII)
APP_CLIENT_ID_RE = re.compile(r"[\w+]+", re.ASCII)
IDENTITY_POOL_ID_RE = re.compile(r"[\w-]+:[0-9a-f-]+", re.ASCII)
IDENTITY_POOL_NAME_RE = re.compile(r"[\w\s+=,.@-]+", re.ASCII)
# IAM API reference: CreateRole's Path and PermissionsBoundary (a managed policy's ARN).
ROLE_PATH_RE = re.compile(r"/|/[\x21-\x7e]+/", re.ASCII)
POLICY_ARN_RE = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}|aws):policy/([\x21-\x7e]+/)?[\w+=,.@-]+", re.ASCII)
# What a real app client id looks like: 26 lower-case alphanumerics (used to spot a swap).
TYPICAL_APP_CLIENT_ID_RE = re.compile(r"[a-z0-9]{20,32}")

_QUOTES = "\"'`\u201c\u201d\u2018\u2019"


def strip_pasted(value, field_name: str) -> tuple[str, str | None]:
    """Remove surrounding whitespace and quotes from a pasted value.

    Returns the cleaned value and a note saying what was removed (``None`` if nothing).
    """
    if value is None:
        return "", None
    raw = str(value)
    cleaned = raw.strip()
    quoted = len(cleaned) >= 2 and cleaned[0] in _QUOTES and cleaned[-1] in _QUOTES
    while len(cleaned) >= 2 and cleaned[0] in _QUOTES and cleaned[-1] in _QUOTES:
        cleaned = cleaned[1:-1].strip()
    if cleaned == raw:
        return cleaned, None
    what = "quotes" if quoted else "spaces"
    return cleaned, f"{label(field_name)}: removed the surrounding {what} from the pasted value"


def printable(value) -> str:
    """``value`` fit for a terminal: control and invisible characters escaped (``\\n``, ``\\x1b``).

    An escape sequence (ESC, an OSC 52 clipboard write, BEL, a right-to-left override) echoed raw,
    from a pasted value or an AWS message, could rewrite the learner's terminal.
    """
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(value))


def shown(value) -> str:
    """``value`` in quotes, fit for a message (:func:`printable`)."""
    return f"'{printable(value)}'"


def text_or_none(value, field_name: str) -> str | None:
    """A value given as a parameter that must be text (or ``None``): anything else, such as a list
    or a number from a papermill ``-y`` parameter, is an :class:`InputError` naming it."""
    if value is None or isinstance(value, str):
        return value
    raise InputError(f"{type(value).__name__} {shown(value)} is not text.", field=field_name,
                     fix="Give it as text (papermill -p NAME VALUE), or leave it out.")


def check_plain(value: str, field_name: str) -> str:
    """Refuse a value shaped like a token or key (never echoed), or holding a control character."""
    if looks_secret(value):
        raise InputError("looks like a token or key, which is never used or shown here.", field=field_name,
                         fix="Paste the id itself; keep tokens and keys out of the workbook.")
    hidden = sorted({ch for ch in value if not ch.isprintable()})
    if hidden:
        raise InputError(f"{shown(value)} contains {', '.join(shown(ch) for ch in hidden)}, "
                         "a control or invisible character.", field=field_name,
                         fix="Type the value again, or copy only the value itself.")
    return value


_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def parse_bool(value, field_name: str) -> bool:
    """The one reading of a yes/no value (parameter, flag, roster column or form value).

    Accepts ``True``/``False``, ``1``/``0`` and, in any case with spaces around, true/false,
    yes/no, on/off and 1/0; anything else is an :class:`InputError` naming ``field_name``
    (a text "false" must never count as true).
    """
    if isinstance(value, bool):
        return value
    if type(value) is int and value in (0, 1):
        return bool(value)
    text = value.strip().lower() if isinstance(value, str) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    given = "the value" if looks_secret(value) else shown(value) if isinstance(value, str) else repr(value)
    raise InputError(f"{given} is not true or false.", field=field_name,
                     fix="Use one of true/false, yes/no, on/off or 1/0.")


def _require(value: str, field_name: str, what: str) -> None:
    if not value:
        raise MissingValueError(f"is empty; the {what} is needed.", field=field_name,
                                fix=f"Paste the {what} from your scratchpad.")
    check_plain(value, field_name)


def _length(value: str, field_name: str, low: int, high: int) -> None:
    if not low <= len(value) <= high:
        raise InputError(f"{shown(value)} has {len(value)} characters; it must have {low} to {high}.",
                         field=field_name, fix="Copy the whole value again, nothing more.")


def check_region(region: str) -> str:
    """Return the region, in lower case, if it is a well-formed AWS region code (``US-EAST-2`` is
    ``us-east-2``: region codes are lower case, and a capital is a typing accident)."""
    if not region:
        raise MissingValueError("is not set.", field="region",
                                fix=f"Give a region such as {example('region')}, or set AWS_DEFAULT_REGION.")
    check_plain(region, "region")
    if not REGION_RE.fullmatch(region.lower()):
        raise InputError(f"{shown(region)} is not an AWS region code.", field="region",
                         fix=f"Use a region code such as {example('region')} (not a name like 'Ohio').")
    return region.lower()


def check_step_region(region: str) -> str:
    """A region code (:func:`check_region`) where the step can work: not one of AWS's China regions,
    which offer Cognito identity pools (Beijing) but no Cognito user pools ("Amazon Cognito" in
    Getting Started with Amazon Web Services in China), so the pool has no user pool to link to."""
    region = check_region(region)
    if region.startswith("cn-"):
        raise InputError(f"{shown(region)} is one of AWS's China regions, where Cognito user pools are not offered "
                         "(only identity pools, in Beijing); this step links the identity pool to a user pool.",
                         field="region", fix="Do the workshop in a region outside China, such as us-east-2.")
    return region


def region_of(resource_id: str) -> str | None:
    """The region prefix of a user pool id (``us-east-2_x``) or identity pool id (``us-east-2:x``)."""
    match = re.match(rf"({_REGION})[_:]", resource_id, re.ASCII)
    return match.group(1) if match else None


def check_user_pool_id(user_pool_id: str, region: str | None = None) -> str:
    """Check a user pool id (``us-east-2_teEUQbkUh``) and that it belongs to ``region``."""
    _require(user_pool_id, "user_pool_id", "User Pool ID")
    doubled = re.fullmatch(r"([a-z0-9-]+):(\1_[0-9a-zA-Z]+)", user_pool_id, re.ASCII)
    if doubled:
        raise InputError(f"{shown(user_pool_id)} has the region prefix twice.", field="user_pool_id",
                         fix=f"Use '{doubled.group(2)}'.")
    if IDENTITY_POOL_ID_RE.fullmatch(user_pool_id):
        raise InputError(f"{shown(user_pool_id)} looks like an Identity Pool ID (region:uuid).",
                         field="user_pool_id",
                         fix="The User Pool ID has an underscore: region_XXXXXXXXX.")
    if "_" not in user_pool_id and TYPICAL_APP_CLIENT_ID_RE.fullmatch(user_pool_id):
        raise InputError(f"{shown(user_pool_id)} looks like an App client ID, not a User Pool ID.",
                         field="user_pool_id",
                         fix=f"Swap the two values: the User Pool ID looks like {example('user_pool_id')}.")
    _length(user_pool_id, "user_pool_id", 1, 55)
    if not USER_POOL_ID_RE.fullmatch(user_pool_id) or region_of(user_pool_id) is None:
        raise InputError(f"{shown(user_pool_id)} is not a User Pool ID.", field="user_pool_id",
                         fix=f"It looks like {example('user_pool_id')}: region, underscore, letters and digits.")
    pool_region = region_of(user_pool_id)
    if region and pool_region != region:
        raise InputError(f"{shown(region)} differs from the region of the user pool ({pool_region}).",
                         field="region", fix=f"Use region {pool_region}, where the user pool lives.")
    return user_pool_id


def check_app_client_id(app_client_id: str) -> str:
    """Check an app client id (``[\\w+]+``, 1–128 characters; 26 in practice)."""
    _require(app_client_id, "app_client_id", "App client ID")
    if region_of(app_client_id):
        raise InputError(f"{shown(app_client_id)} looks like a User Pool ID, not an App client ID.",
                         field="app_client_id",
                         fix="Swap the two values: the App client ID is 26 letters and digits.")
    _length(app_client_id, "app_client_id", 1, 128)
    if not APP_CLIENT_ID_RE.fullmatch(app_client_id):
        raise InputError(f"{shown(app_client_id)} is not an App client ID.", field="app_client_id",
                         fix=f"It has letters and digits only, e.g. {example('app_client_id')}.")
    return app_client_id


def check_identity_pool_id(identity_pool_id: str, region: str | None = None) -> str:
    """Check an identity pool id (``us-east-2:uuid``, region and colon included)."""
    _require(identity_pool_id, "identity_pool_id", "Identity Pool ID")
    _length(identity_pool_id, "identity_pool_id", 1, 55)
    if not IDENTITY_POOL_ID_RE.fullmatch(identity_pool_id) or region_of(identity_pool_id) is None:
        raise InputError(f"{shown(identity_pool_id)} is not an Identity Pool ID.", field="identity_pool_id",
                         fix="It looks like us-east-2:1a2b3c4d-...: region code, colon, then a uuid.")
    pool_region = region_of(identity_pool_id)
    if region and pool_region != region:
        raise InputError(f"{shown(region)} differs from the region of the identity pool ({pool_region}).",
                         field="region", fix=f"Use region {pool_region}.")
    return identity_pool_id


def check_identity_pool_name(name: str) -> str:
    """Check an identity pool name (1–128 of letters, digits, spaces and ``+=,.@-_``)."""
    _require(name, "identity_pool_name", "identity pool name")
    _length(name, "identity_pool_name", 1, 128)
    if not IDENTITY_POOL_NAME_RE.fullmatch(name):
        bad = sorted({ch for ch in name if not IDENTITY_POOL_NAME_RE.fullmatch(ch)})
        raise InputError(f"{shown(name)} contains {' '.join(shown(c) for c in bad)}, which Cognito does not allow.",
                         field="identity_pool_name",
                         fix="Use letters, digits, spaces and + = , . @ - _ only, e.g. wildrydes_identity_pool.")
    return name


def check_role_path(path: str) -> str:
    """Check an IAM path for the roles the step makes (``/`` or ``/team/``; IAM API reference, CreateRole)."""
    check_plain(path, "role_path")
    _length(path, "role_path", 1, 512)
    if not ROLE_PATH_RE.fullmatch(path):
        raise InputError(f"{shown(path)} is not an IAM path: it must start and end with '/', with letters, digits "
                         "and punctuation between.", field="role_path",
                         fix="Use the path your account's policy names, such as /workshop/ (or / for none).")
    return path


def check_permissions_boundary(arn: str) -> str:
    """Check the ARN of the managed policy set as the permissions boundary of the roles the step makes."""
    check_plain(arn, "permissions_boundary")
    if not POLICY_ARN_RE.fullmatch(arn) or len(arn) > 2048:
        raise InputError(f"{shown(arn)} is not the ARN of an IAM managed policy.", field="permissions_boundary",
                         fix="Copy the policy's ARN from the IAM console (Policies → the policy → ARN), such as "
                             f"{example('permissions_boundary')}.")
    return arn


@dataclass(frozen=True)
class StepInput:
    """What the identity-pool step needs, cleaned and checked."""

    region: str
    user_pool_id: str
    app_client_id: str
    identity_pool_name: str = DEFAULT_IDENTITY_POOL_NAME
    allow_unauthenticated: bool = False
    notes: tuple[str, ...] = field(default=(), compare=False)
    # What an account that restricts IAM asks of every role the step makes (CreateRole).
    permissions_boundary: str | None = None
    role_path: str = "/"

    @property
    def provider_name(self) -> str:
        """The Cognito provider name the identity pool trusts."""
        return f"cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"


def check_step_input(region, user_pool_id, app_client_id,
                     identity_pool_name=DEFAULT_IDENTITY_POOL_NAME,
                     allow_unauthenticated=False, permissions_boundary=None, role_path=None) -> StepInput:
    """Clean and check every value of the step; raise :class:`InputError` on the first problem.

    The order follows the form: the ids first (their own format), then how they relate.
    """
    notes = []
    values = {}
    for name, raw in (("region", region), ("user_pool_id", user_pool_id),
                      ("app_client_id", app_client_id), ("identity_pool_name", identity_pool_name)):
        values[name], note = strip_pasted(raw, name)
        if note:
            notes.append(note)
    if not values["identity_pool_name"]:
        values["identity_pool_name"] = DEFAULT_IDENTITY_POOL_NAME
    user_pool = check_user_pool_id(values["user_pool_id"])
    check_app_client_id(values["app_client_id"])
    region_value = check_step_region(values["region"] or region_of(user_pool) or "")
    check_user_pool_id(user_pool, region_value)
    check_identity_pool_name(values["identity_pool_name"])
    return StepInput(region=region_value, user_pool_id=user_pool,
                     app_client_id=values["app_client_id"],
                     identity_pool_name=values["identity_pool_name"],
                     allow_unauthenticated=parse_bool(allow_unauthenticated, "allow_unauthenticated"),
                     notes=tuple(notes), **_iam_restrictions(permissions_boundary, role_path))


def _iam_restrictions(permissions_boundary, role_path) -> dict:
    """The permissions boundary and role path, checked (blank: none, and the root path)."""
    boundary = strip_pasted(text_or_none(permissions_boundary, "permissions_boundary"), "permissions_boundary")[0]
    path = strip_pasted(text_or_none(role_path, "role_path"), "role_path")[0]
    return {"permissions_boundary": check_permissions_boundary(boundary) if boundary else None,
            "role_path": check_role_path(path) if path else "/"}


def check_field(name: str, value: str) -> str:
    """``value`` checked by the checker the fields table names for the field ``name``."""
    checker = FIELDS[name].checker
    return globals()[checker](value) if checker else value


def problems(**values) -> dict[str, str]:
    """Per-field messages for a form checked as the learner types (empty dict: all fine).

    Accepts any of the keyword names of :func:`check_step_input`; each field is checked on its
    own, then (when both ids are given) together, so every field shows its own message at once.
    """
    out: dict[str, str] = {}
    cleaned = {k: strip_pasted(v, k)[0] for k, v in values.items() if k != "allow_unauthenticated"}
    # An empty region or name is not a problem here: the resolver or the default fills it.
    fillable = ("region", "identity_pool_name", "permissions_boundary", "role_path")
    for name, value in cleaned.items():
        if name in FIELDS and FIELDS[name].checker and (value or name not in fillable):
            try:
                check_field(name, value)
            except InputError as err:
                out[err.field or name] = str(err)
    if not out and {"user_pool_id", "app_client_id"} <= cleaned.keys():
        try:
            check_step_input(**values)
        except InputError as err:
            out[err.field or "input"] = str(err)
    return out
