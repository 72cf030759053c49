"""Malformed requests of the query protocol (IAM, STS) answered as AWS answers them, before moto.

IAM and STS take form-encoded ``Action=...&Version=...`` requests. moto reads the members as they
come: a ``MaxItems`` of ``abc`` or ``NaN``, a ``Marker`` that is no number of its own, a list item
without its required member, fail inside it (HTTP 500), and it takes a request that lacks a
required member. Here each request is read as botocore's model reads it (``Name.member.N``,
``Name.entry.N.key``), and refused with AWS's common errors for the query APIs (the IAM and STS API
references, "Common Errors"): a body that is not UTF-8 is ``MalformedQueryString`` (HTTP 404, as
documented), a missing or unknown Action ``MissingAction`` / ``InvalidAction``, a member that is
not of its type (a number, a boolean, a list index) ``ValidationError``, and so are the model's
constraints (required members, ranges, lengths, patterns) in the words of AWS's validation
messages. The wording of the type and parse errors is inferred.
"""

from __future__ import annotations

import functools
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from .cognitoidentity.validation import validation_message, validation_problems

# The query protocol's Version, by botocore service name: what tells the services apart when all
# share one endpoint (AssumeRoleWithWebIdentity is unsigned, so no credential scope names it).
VERSIONS = {"2010-05-08": "iam", "2011-06-15": "sts"}
_NAMESPACES = {"iam": "https://iam.amazonaws.com/doc/2010-05-08/", "sts": "https://sts.amazonaws.com/doc/2011-06-15/"}
MAX_LIST_INDEX = 1000  # more items than any list member of these services allows
_INT_RANGE = {"integer": 2**31, "long": 2**63}
_INDEX = re.compile(r"[1-9][0-9]{0,5}")


class QueryError(Exception):
    """A query request AWS refuses before it runs: ``code``, ``message`` and ``status``."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def service_of(body: bytes) -> str | None:
    """The query service (iam, sts) a form-encoded body is for, or None when it is not one."""
    match = re.search(rb"(?:^|&)Version=([0-9-]+)(?:&|$)", body)
    return VERSIONS.get(match.group(1).decode()) if match else None


def signed_for(authorization: str) -> str | None:
    """The query service (iam, sts) a Signature V4 ``Authorization`` header's scope names, if any."""
    match = re.search(r"Credential=[^/,]*/[0-9]{8}/[^/,]*/([a-z0-9-]+)/aws4_request", authorization)
    service = match.group(1) if match else None
    return service if service in _NAMESPACES else None


def check(service: str, body: bytes) -> None:
    """Refuse (`QueryError`) a request of the query protocol that AWS would refuse unread."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise QueryError("MalformedQueryString", "The query string contains a syntax error.", 404) from None
    params = dict(parse_qsl(text, keep_blank_values=True))
    action = params.get("Action")
    if not action:
        raise QueryError("MissingAction", "The request is missing an action or a required parameter.")
    operation = _operation(service, action)
    if operation is None:
        raise QueryError("InvalidAction", f"Could not find operation {action} for version {params.get('Version')}")
    if operation.input_shape is None:
        return
    # moto's IAM reads a Marker as the number of items already listed: another is not one of its.
    if service == "iam" and "Marker" in params and not params["Marker"].isdigit():
        raise QueryError("ValidationError", "The marker is not one that an earlier page of this listing returned.")
    value = _structure(operation.input_shape, params, "")
    problems = validation_problems(operation, value)
    if problems:
        raise QueryError("ValidationError", validation_message(problems))


def error_body(service: str, error: QueryError) -> bytes:
    """The XML error document IAM and STS send."""
    return (f'<ErrorResponse xmlns="{_NAMESPACES[service]}"><Error><Type>Sender</Type>'
            f"<Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message></Error>"
            f"<RequestId>{secrets.token_hex(16)}</RequestId></ErrorResponse>").encode()


@functools.lru_cache(maxsize=None)
def _operation(service: str, action: str):
    import botocore.session
    from botocore.model import OperationNotFoundError

    try:
        return botocore.session.get_session().get_service_model(service).operation_model(action)
    except OperationNotFoundError:
        return None


def _present(params: dict[str, str], name: str) -> bool:
    return name in params or any(key.startswith(f"{name}.") for key in params)


def _structure(shape, params: dict[str, str], prefix: str) -> dict[str, Any]:
    value = {}
    for name, member in shape.members.items():
        key = f"{prefix}{name}"
        if _present(params, key):
            value[name] = _value(member, params, key)
    return value


def _value(shape, params: dict[str, str], key: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, params, f"{key}.")
    if kind == "list":
        return [_value(shape.member, params, f"{key}.member.{index}") for index in _indexes(params, f"{key}.member.")]
    if kind == "map":
        return {_value(shape.key, params, f"{key}.entry.{index}.key"): _value(shape.value, params,
                                                                              f"{key}.entry.{index}.value")
                for index in _indexes(params, f"{key}.entry.")}
    text = params.get(key)
    if text is None:
        return None
    if kind in ("integer", "long"):
        if not re.fullmatch(r"-?[0-9]{1,30}", text):
            raise QueryError("ValidationError", f"Value '{text}' at '{key}' is not a whole number.")
        if abs(int(text)) >= _INT_RANGE[kind]:
            raise QueryError("ValidationError", f"Value '{text}' at '{key}' is out of range.")
        return int(text)
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise QueryError("ValidationError", f"Value '{text}' at '{key}' is neither true nor false.")
        return text.lower() == "true"
    return text


def _indexes(params: dict[str, str], prefix: str) -> list[int]:
    """The item numbers under `prefix` (``Tags.member.``), in order; each must be 1 to 1000."""
    found = set()
    for key in params:
        if key.startswith(prefix):
            index = key[len(prefix):].split(".", 1)[0]
            if not _INDEX.fullmatch(index) or int(index) > MAX_LIST_INDEX:
                raise QueryError("ValidationError", f"'{prefix}{index}' is not an item number from 1 to "
                                                    f"{MAX_LIST_INDEX}.")
            found.add(int(index))
    return sorted(found)
