"""The sandbox's outbox: the confirmation codes its user pools "sent", for the learner to read.

AWS emails a sign-up code; the sandbox sends nothing, so it keeps the code, and
``GET /wildrydes-sandbox/codes`` lists those not yet used (what ``wildrydes-nb sandbox codes``
prints). Like moto's ``/moto-api/``, the path is the sandbox's own: no web page may read it, not
even one of an origin allowed to call the AWS APIs (`guard.py`).
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable

CODES_PATH = "/wildrydes-sandbox/codes"

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


def sent_codes() -> list[dict[str, Any]]:
    """Every unused code of every account and region, oldest first."""
    from moto.cognitoidp.models import cognitoidp_backends

    codes = [sent for regions in list(cognitoidp_backends.values()) for backend in list(regions.values())
             for sent in list(backend.__dict__.get("_sent_codes", {}).values())]
    return [sent.to_dict() for sent in sorted(codes, key=lambda sent: sent.sent_at)]


class Outbox:
    """WSGI middleware: answer ``GET /wildrydes-sandbox/codes``; hand anything else on."""

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != CODES_PATH:
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "GET"), ("Content-Length", "0")])
            return [b""]
        body = json.dumps({"codes": sent_codes()}, indent=1).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                                  ("Cache-Control", "no-store")])
        return [body]


def read_codes(endpoint_url: str, timeout: float = 10) -> list[dict[str, Any]]:
    """The codes a running sandbox at `endpoint_url` (a loopback URL) holds.

    Raises `ValueError` for an endpoint that is not on this machine and `OSError` when nothing
    answers there as a sandbox does.
    """
    import urllib.error
    import urllib.request

    from . import is_loopback

    if not is_loopback(endpoint_url):
        raise ValueError(f"{endpoint_url!r} is not a sandbox on this machine (127.0.0.1, ::1 or localhost)")
    # No proxy: an HTTP(S)_PROXY from the environment must not receive loopback traffic.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(endpoint_url.rstrip("/") + CODES_PATH, timeout=timeout) as answer:
            return list(json.loads(answer.read())["codes"])
    except (urllib.error.HTTPError, ValueError, KeyError, TypeError) as error:
        raise OSError(f"{endpoint_url} did not answer as a wildrydes-nb sandbox ({error})") from None
