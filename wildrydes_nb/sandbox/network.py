"""The sandbox's network: a fixed delay on every request, and AWS's request-rate quotas, as WSGI middleware.

`wrap(app)` puts both around moto's WSGI application. Both settings are process-wide, like
moto's state and the IAM delay: `set_latency()` and `set_quotas()` apply to every sandbox
server of this process at once, from its next request on.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import threading
import time
import uuid
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import parse_qs

from .quotas import COGNITO_IDENTITY, COGNITO_IDP, IAM, TokenBuckets, buckets_for

# Seconds added to every request; 0: none.
_latency = 0.0
# None: quotas off; otherwise the rates that differ from AWS's defaults, by operation or category.
_quotas: dict[str, float] | None = None
_buckets = TokenBuckets()
# While quotas are on: requests seen and refused, by "service.Operation" (for benchmarks).
_counts: dict[str, list[int]] = {}
_counts_lock = threading.Lock()

_TARGETS = {"AWSCognitoIdentityService": COGNITO_IDENTITY, "AWSCognitoIdentityProviderService": COGNITO_IDP}
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/")
_IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
THROTTLED_MESSAGE = "Rate exceeded"

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
App = Callable[[Environ, StartResponse], Iterable[bytes]]


def get_latency() -> float:
    """The delay added to every request, in seconds (0, the default: none)."""
    return _latency


def set_latency(seconds: float) -> float:
    """Delay every request of this process's sandbox servers by ``seconds``; return the previous delay.

    A stand-in for the network between a learner and AWS (a round trip of 0.05–0.3 s): each
    request waits that long before the sandbox answers it, and requests made at the same time
    wait side by side, as on a network.
    """
    global _latency
    previous, _latency = _latency, _seconds(seconds, "the latency")
    return previous


def get_quotas() -> dict[str, float] | None:
    """``None`` when quotas are off, else the rates that differ from AWS's defaults (often ``{}``)."""
    return None if _quotas is None else dict(_quotas)


def set_quotas(quotas: bool | Mapping[str, float] | None) -> dict[str, float] | None:
    """Enforce request-rate quotas (``True``: AWS's defaults) or not (``False``/``None``).

    A mapping enforces the defaults except for the operations or categories it names, e.g.
    ``{"ListIdentityPools": 1}``: an operation named there is held to that rate on its own.
    Every bucket starts full again. Returns the previous setting, as `get_quotas()` gives it.
    """
    global _quotas
    previous = get_quotas()
    if quotas is None or quotas is False:
        _quotas = None
    elif quotas is True:
        _quotas = {}
    else:
        _quotas = {str(name): _rate(rps, name) for name, rps in quotas.items()}
    _buckets.clear()
    with _counts_lock:
        _counts.clear()
    return previous


def request_counts() -> dict[str, tuple[int, int]]:
    """Since quotas were last set: ``{"service.Operation": (requests, refused as throttled)}``."""
    with _counts_lock:
        return {name: (seen, refused) for name, (seen, refused) in _counts.items()}


def _seconds(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number of seconds, not {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{what} must be 0 or more seconds, not {value!r}")
    return float(value)


def _rate(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"the quota for {name} must be a positive number of requests per second, not {value!r}")
    return float(value)


def wrap(app: App) -> App:
    """moto's WSGI application behind the network: the delay first, then the quotas."""
    return Latency(Throttle(app))


class Latency:
    """WSGI middleware: every request waits `get_latency()` seconds before it is answered."""

    def __init__(self, app: App):
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if _latency:
            time.sleep(_latency)  # werkzeug serves each request in its own thread: they wait side by side
        return self.app(environ, start_response)


class Throttle:
    """WSGI middleware: a request over its quota is refused as AWS refuses it."""

    def __init__(self, app: App):
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        overrides = _quotas
        if overrides is None or environ.get("PATH_INFO", "").startswith("/moto-api"):
            return self.app(environ, start_response)
        call = _Call.of(environ)
        if call is None:
            return self.app(environ, start_response)
        allowed = _buckets.take(buckets_for(call.service, call.operation, call.account, call.region,
                                            call.user_pool_id, overrides))
        with _counts_lock:
            counted = _counts.setdefault(f"{call.service}.{call.operation}", [0, 0])
            counted[0] += 1
            counted[1] += not allowed
        if allowed:
            return self.app(environ, start_response)
        return _throttled(call.service, start_response)


class _Call:
    """Which service, operation, account and region a request is for, read as moto reads them."""

    def __init__(self, service: str, operation: str, access_key: str, region: str, body: dict):
        self.service, self.operation, self.region = service, operation, region
        self.user_pool_id = str(body.get("UserPoolId", "")) if service == COGNITO_IDP else ""
        self.account = _account(access_key)

    @classmethod
    def of(cls, environ: Environ) -> _Call | None:
        body = _body(environ)
        signed = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        access_key, region, scope_service = signed.groups() if signed else ("", "", "")
        prefix, _, operation = environ.get("HTTP_X_AMZ_TARGET", "").partition(".")
        if prefix in _TARGETS:
            fields = _json(body)
            if not region:  # GetId, GetCredentialsForIdentity are unsigned: the ids name the region
                region = str(fields.get("IdentityPoolId") or fields.get("IdentityId") or "").partition(":")[0]
            return cls(_TARGETS[prefix], operation, access_key, region, fields)
        if scope_service == IAM:
            form = parse_qs(body.decode("utf-8", "replace")) or parse_qs(environ.get("QUERY_STRING", ""))
            action = form.get("Action", [""])[0]
            return cls(IAM, action, access_key, "global", {}) if action else None
        return None


def _body(environ: Environ) -> bytes:
    """The request body, read once and put back for moto."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _json(body: bytes) -> dict:
    try:
        fields = json.loads(body or b"{}")
    except ValueError:
        return {}
    return fields if isinstance(fields, dict) else {}


def _account(access_key: str) -> str:
    # As moto decides which account a request acts in (moto.core.responses.get_current_account).
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key)


def _throttled(service: str, start_response: StartResponse) -> list[bytes]:
    request_id = str(uuid.uuid4())
    if service == IAM:  # the query protocol's XML error, as IAM sends it
        body = (f'<ErrorResponse xmlns="{_IAM_NAMESPACE}">\n  <Error>\n    <Type>Sender</Type>\n'
                f"    <Code>Throttling</Code>\n    <Message>{THROTTLED_MESSAGE}</Message>\n  </Error>\n"
                f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n").encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    else:  # Cognito's JSON protocol
        body = json.dumps({"__type": "TooManyRequestsException", "message": THROTTLED_MESSAGE}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", request_id),
                   ("x-amzn-ErrorType", "TooManyRequestsException:")]
    start_response("400 Bad Request", [*headers, ("Content-Length", str(len(body)))])
    return [body]
