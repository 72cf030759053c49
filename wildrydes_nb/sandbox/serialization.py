"""Malformed requests answered as AWS answers them (HTTP 400), and never a stack trace.

AWS's JSON services (Cognito user pools and identity pools) refuse a body that is not a JSON
object of the operation's shape before they look at it: ``SerializationException``, HTTP 400. moto
reads such a body as it comes and fails inside (HTTP 500, a stack trace on the sandbox's stderr).
This middleware checks, before moto: the body is UTF-8, is JSON (no NaN, no Infinity, not nested
deeper than any operation's input), is an object, and every member has the JSON type of its shape
in botocore's model (a string, a whole number in range, a boolean, a list, a map). Anything that
still fails in moto (a region moto does not know, say) is answered HTTP 500 with the short page
werkzeug would serve, and one line on stderr instead of a traceback.

The message wording is inferred: AWS documents ``SerializationException`` for bodies it cannot read
(for example in the Cognito Identity API reference's common errors) but not its messages.
"""

from __future__ import annotations

import functools
import json
import math
import sys
from typing import Any, Callable, Iterable

from . import query

Environ = dict[str, Any]
StartResponse = Callable[..., Any]

# The JSON protocol's target prefixes, by botocore service name.
_SERVICES = {"AWSCognitoIdentityService": "cognito-identity",
             "AWSCognitoIdentityProviderService": "cognito-idp"}
MAX_DEPTH = 32  # deeper than any input shape of these services
_INT_RANGE = {"integer": 2**31, "long": 2**63}
_JSON_TYPES = {"string": str, "boolean": bool, "structure": dict, "map": dict, "list": list,
               "timestamp": (int, float, str), "blob": str, "double": (int, float), "float": (int, float)}


class _Refused(ValueError):
    """The body cannot be read as the operation's input: ``message`` says why."""


class Serialization:
    """WSGI middleware: a malformed JSON request is AWS's 400; any failure inside is a 500 without a trace."""

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        prefix, _, operation = target.partition(".")
        service = _SERVICES.get(prefix)
        if service is not None and environ.get("REQUEST_METHOD") == "POST":
            try:
                body = _read_body(environ)
                _check(service, operation, body)
            except _Refused as refused:
                return _error(start_response, "400 Bad Request", "SerializationException", str(refused))
            _hand_on(environ, body)
        elif _is_form(environ):
            refused = _query_refusal(environ)
            if refused is not None:
                return refused(start_response)
        try:
            return self.app(environ, start_response)
        except Exception as err:  # noqa: BLE001 - a failure of the sandbox: one line, no stack trace
            print(f"sandbox: {target or environ.get('PATH_INFO')} failed inside: {type(err).__name__}: {err}",
                  file=sys.stderr)
            page = b"<!doctype html><html><title>500 Internal Server Error</title><h1>Internal Server Error</h1></html>"
            start_response("500 Internal Server Error", [("Content-Type", "text/html; charset=utf-8"),
                                                         ("Content-Length", str(len(page)))])
            return [page]


def _is_form(environ: Environ) -> bool:
    return (environ.get("REQUEST_METHOD") == "POST"
            and environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() == "application/x-www-form-urlencoded")


def _query_refusal(environ: Environ):
    """For a request of the query protocol (IAM, STS) that AWS refuses unread, what sends the refusal."""
    try:
        body = _read_body(environ)
    except _Refused:
        body = b"\xff"  # unreadable: answered as a malformed query string
    _hand_on(environ, body)
    service = query.service_of(body) or query.signed_for(environ.get("HTTP_AUTHORIZATION", ""))
    if service is None:
        return None
    try:
        query.check(service, body)
    except query.QueryError as error:
        page = query.error_body(service, error)
        status = f"{error.status} {'Not Found' if error.status == 404 else 'Bad Request'}"
        return lambda start_response: _send(start_response, status, "text/xml", page)
    return None


def _hand_on(environ: Environ, body: bytes) -> None:
    """Give moto the body that was read, as a file of known length."""
    environ["wsgi.input"] = _Body(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)


def _send(start_response: StartResponse, status: str, content_type: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


class _Body:
    """A body read in full, handed on to moto as a file."""

    def __init__(self, data: bytes):
        import io

        self._io = io.BytesIO(data)

    def read(self, *args):
        return self._io.read(*args)

    def readline(self, *args):
        return self._io.readline(*args)

    def __iter__(self):
        return iter(self._io)


def _read_body(environ: Environ) -> bytes:
    stream = environ["wsgi.input"]
    try:
        length = environ.get("CONTENT_LENGTH")
        return stream.read(int(length)) if length else stream.read()
    except Exception as err:  # noqa: BLE001 - a bad chunk header, a cut connection: the body cannot be read
        raise _Refused(f"The request body could not be read ({type(err).__name__}).") from None


def _refuse_constant(name: str):
    raise _Refused(f"{name} is not a JSON value.")


def _check(service: str, operation: str, body: bytes) -> None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused("The request body is not valid UTF-8.") from None
    _check_depth(text)
    try:
        data = json.loads(text or "{}", parse_constant=_refuse_constant)
    except ValueError as err:
        if isinstance(err, _Refused):
            raise
        raise _Refused("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise _Refused("Start of list or value found where a structure was expected.")
    shape = _input_shape(service, operation)
    if shape is not None:
        _check_shape(shape, data, operation)


def _check_depth(text: str) -> None:
    # Counted before parsing: json would recurse once per level, and a deep enough body ends it.
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(f"The request body is nested deeper than {MAX_DEPTH} levels.")
        elif ch in "]}":
            depth -= 1


@functools.lru_cache(maxsize=None)
def _input_shape(service: str, operation: str):
    import botocore.session
    from botocore.model import OperationNotFoundError

    try:
        return botocore.session.get_session().get_service_model(service).operation_model(operation).input_shape
    except OperationNotFoundError:
        return None  # moto answers an unknown operation itself


def _check_shape(shape, value: Any, where: str) -> None:
    if value is None:
        return  # null reads as absent; a required member missing is the validation's to say
    kind = shape.type_name
    if kind in _INT_RANGE:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Refused(f"Expected a whole number at '{where}', found {_json_kind(value)}.")
        if abs(value) >= _INT_RANGE[kind]:
            raise _Refused(f"The number at '{where}' is out of range.")
        return
    expected = _JSON_TYPES.get(kind)
    if expected is not None and (not isinstance(value, expected) or (kind != "boolean" and isinstance(value, bool))):
        raise _Refused(f"Expected {kind} at '{where}', found {_json_kind(value)}.")
    if isinstance(value, float) and not math.isfinite(value):
        raise _Refused(f"The number at '{where}' is not finite.")
    if kind == "structure":
        for name, member in value.items():
            if name in shape.members:
                _check_shape(shape.members[name], member, f"{where}.{name}")
    elif kind == "list":
        for item in value:
            _check_shape(shape.member, item, f"{where}[]")
    elif kind == "map":
        for key, item in value.items():
            _check_shape(shape.value, item, f"{where}.{key}")


def _json_kind(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "an object", type(None): "null"}.get(type(value), type(value).__name__)


def _error(start_response: StartResponse, status: str, code: str, message: str) -> list[bytes]:
    body = json.dumps({"__type": code, "message": message}).encode()
    start_response(status, [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body))),
                            ("x-amzn-ErrorType", code)])
    return [body]
