"""The AWS calls made through a session, recorded from botocore's own events, redacted, and
written out as boto3 code and as AWS CLI commands."""

from __future__ import annotations

import contextlib
import copy
import datetime
import itertools
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Iterator

from botocore import xform_name

from .aws import made_clients
from .redaction import redact, scrub

# A parameter or answer field whose name holds one of these is a secret: passwords, tokens,
# keys, and the values of an SRP exchange (SRP_A, SRP_B, SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE,
# the challenge's Session). Names are compared in lower case with '_' removed.
_SECRET_PARTS = ("password", "token", "secret", "srp", "signature", "session", "accesskey", "salt")
# ...except pagination tokens, which are not secrets and which a learner may need to copy.
_NOT_SECRET = {"nexttoken", "paginationtoken"}
# Under these, every value is a secret whatever its key (Logins: provider name → ID token).
_SECRET_MAPS = {"Logins"}
# The answer fields shown for a call: ids, ARNs, names, a challenge's name, the roles attached.
_KEY_FIELD = re.compile(r"(Id|Arn|ARN|Name)$")
_KEY_SECTIONS = {"Roles", "ChallengeName", "Expiration"}
_MAX_KEY_FIELDS = 12
_PREFIX = "wildrydes-calls"
_WIDTH = 100  # of a line of boto3 code
_ids = itertools.count()


def is_secret_name(name: str) -> bool:
    """Whether a parameter or field called ``name`` holds a secret (password, token, key, SRP value)."""
    plain = name.lower().replace("_", "")
    return plain not in _NOT_SECRET and any(part in plain for part in _SECRET_PARTS)


def redacted(value, secret: bool = False):
    """A JSON-ready copy of a request or an answer with every secret shown only by its start and length."""
    if isinstance(value, dict):
        return {k: redacted(v, secret or (isinstance(k, str) and is_secret_name(k)) or k in _SECRET_MAPS)
                for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [redacted(v, secret) for v in value]
    if isinstance(value, datetime.datetime):
        value = value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        value = f"({len(value)} bytes)"
    if secret and isinstance(value, str):
        return redact(value, keep=0)  # not even its start: "eyJ" would say it is a token
    return scrub(value, keep=0) if isinstance(value, str) else value


def key_fields(answer: dict) -> dict:
    """The answer's fields a learner looks for (ids, ARNs, names, roles), by dotted path."""
    found: dict = {}

    def walk(value, path: list[str]) -> None:
        if len(found) >= _MAX_KEY_FIELDS:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, path + [str(k)])
        elif isinstance(value, list) and len(path) == 1:  # a list the answer is about (IdentityPools)
            for i, v in enumerate(value[:3]):  # the first few items show the shape
                walk(v, [f"{path[0]}[{i}]"])
        elif path and (_KEY_FIELD.search(path[-1].split("[")[0]) or _KEY_SECTIONS & {p.split("[")[0] for p in path}):
            found[".".join(path)] = value

    walk(answer, [])
    return found


@dataclass
class Call:
    """One AWS API call: ``service`` (as boto3 and the CLI name it), ``operation`` (the API's
    name), the parameters sent, and, once made, the answer's key fields or the error code."""

    service: str
    operation: str
    params: dict
    region: str | None = None
    answer: dict | None = None
    error: str | None = None
    made: bool = field(default=False, repr=False)

    @property
    def method(self) -> str:
        """The boto3 method: ``create_identity_pool``."""
        return xform_name(self.operation)

    @property
    def client_name(self) -> str:
        """The variable a boto3 example keeps the client in: ``cognito_identity``."""
        return self.service.replace("-", "_")

    def boto3(self) -> str:
        """The call as boto3 code: ``cognito_identity.create_identity_pool(IdentityPoolName=..., ...)``."""
        if not self.params:
            return f"{self.client_name}.{self.method}()"
        args = [f"    {name}={_python(value, 4)}," for name, value in self.params.items()]
        return "\n".join([f"{self.client_name}.{self.method}(", *args, ")"])

    def cli(self) -> str:
        """The call as an AWS CLI (v1) command, one option a line."""
        parts = [f"aws {self.service} {xform_name(self.operation, '-')}"]
        for name, value in self.params.items():
            parts.append(_cli_option(xform_name(name, "-"), value))
        if self.region:
            parts.append(f"--region {self.region}")
        return " \\\n    ".join(parts)

    def outcome(self) -> str:
        """What came back, in one line: the error code, or the key fields of the answer."""
        if self.error:
            return f"error: {self.error}"
        if self.answer is None:
            return "not made yet"
        fields = key_fields(self.answer)
        return ", ".join(f"{k} = {v}" for k, v in fields.items()) or "ok"

    def to_dict(self) -> dict:
        """The call as JSON-ready data (already redacted when recorded)."""
        data = {"service": self.service, "operation": self.operation, "params": self.params}
        if self.region:
            data["region"] = self.region
        if self.made:
            data.update(answer=key_fields(self.answer or {}), error=self.error)
        return data


NOT_FOUND_CODES = frozenset({"NoSuchEntity", "ResourceNotFoundException"})
_READS = ("Get", "Describe")


def created_next(made: list[Call]) -> dict[int, int]:
    """Reads that found nothing because what they read is created further on: index → the create's index.

    A ``GetRole(RoleName=X)`` answered ``NoSuchEntity`` and followed by ``CreateRole(RoleName=X)``
    is how a step learns that the role is still to be made: an expected answer, not a failure.
    """
    found = {}
    for i, read in enumerate(made):
        if read.error not in NOT_FOUND_CODES or not read.operation.startswith(_READS) or not read.params:
            continue
        thing = read.operation.removeprefix("Get").removeprefix("Describe")
        for j in range(i + 1, len(made)):
            create = made[j]
            if (create.service == read.service and create.operation == "Create" + thing and create.made
                    and not create.error and read.params.items() <= create.params.items()):
                found[i] = j
                break
    return found


def _python(value, indent: int) -> str:
    """``value`` as a Python literal; what does not fit on a line opens one item a line."""
    # A policy document travels as JSON text: show the document itself, as json.dumps(...).
    if isinstance(value, str) and value.startswith("{"):
        with contextlib.suppress(ValueError):
            return f"json.dumps({_python(json.loads(value), indent)})"
    flat = _flat(value)
    if len(flat) + indent <= _WIDTH or not isinstance(value, (dict, list)) or not value:
        return flat
    inner = " " * (indent + 4)
    if isinstance(value, dict):
        items = [f"{inner}{_flat(k)}: {_python(v, indent + 4)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{inner}{_python(v, indent + 4)}," for v in value]
    return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"


def _flat(value) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a valid Python string literal, in double quotes
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flat(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    return repr(value)


def _cli_option(option: str, value) -> str:
    if isinstance(value, bool):  # the CLI spells a boolean as --flag / --no-flag
        return f"--{option}" if value else f"--no-{option}"
    if isinstance(value, (dict, list)):
        return f"--{option} {shlex.quote(json.dumps(value))}"
    return f"--{option} {shlex.quote(str(value))}"


class CallLog:
    """The calls recorded by :func:`recording`, in the order they were made."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.open = True

    def __iter__(self) -> Iterator[Call]:
        return iter(self.calls)

    def __len__(self) -> int:
        return len(self.calls)

    def to_list(self) -> list[dict]:
        """The calls as JSON-ready data, redacted."""
        return [call.to_dict() for call in self.calls]

    def to_text(self) -> str:
        """One line per call: service, operation and its outcome."""
        return "\n".join(f"{i}. {c.service} {c.operation}: {c.outcome()}" for i, c in enumerate(self.calls, 1))


@contextlib.contextmanager
def recording(session) -> Iterator[CallLog]:
    """Record every AWS call made through ``session`` while the block runs.

    The record comes from botocore's events: the parameters as the client built them
    (``before-parameter-build``), the call when it is sent (``before-call``: a call refused by
    botocore's own parameter check never is), and its answer or error (``after-call``,
    ``after-call-error``). Clients made before and during the block are both covered.
    """
    log = CallLog()
    tag = f"{_PREFIX}-{next(_ids)}"

    def params_built(params, context, **_):
        context[tag] = params  # the same dict the request is then serialized from

    def sent(model, context, **_):
        if log.open:
            call = Call(model.service_model.service_name, model.name,
                        redacted(copy.deepcopy(context.get(tag, {}))), context.get("client_region"), made=True)
            context[f"{tag}-call"] = call
            log.calls.append(call)

    def answered(http_response, parsed, context, **_):
        call = context.get(f"{tag}-call")
        if call is None:
            return
        if http_response is not None and http_response.status_code >= 300:
            call.error = parsed.get("Error", {}).get("Code") or f"HTTP {http_response.status_code}"
        else:
            call.answer = redacted(parsed)

    def failed(exception, context, **_):
        call = context.get(f"{tag}-call")
        if call is not None:
            call.error = type(exception).__name__

    hooks = (("before-parameter-build", params_built), ("before-call", sent),
             ("after-call", answered), ("after-call-error", failed))

    def emitters():
        return [session.events, *(made.meta.events for made in made_clients(session))]

    for events in emitters():
        for event, handler in hooks:
            events.register(event, handler, unique_id=f"{tag}-{event}")
    try:
        yield log
    finally:
        log.open = False  # a client made during the block and not kept keeps a silent copy
        for events in emitters():
            for event, _handler in hooks:
                events.unregister(event, unique_id=f"{tag}-{event}")
