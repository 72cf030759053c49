"""Keep web pages and foreign host names out of the sandbox: WSGI middleware in front of moto.

The sandbox takes any credentials, so whoever can send it a request can read and change all it
holds. Programs on this machine (boto3, the AWS CLI, notebook kernels) are its only clients;
a web page open in the learner's browser must not be one. A browser says where a request comes
from (``Origin``, ``Sec-Fetch-Site``), and names the host it thinks it talks to (``Host``): a
page of another site is refused by the first, a DNS-rebinding page (its own name resolved to
127.0.0.1) by the second. moto answers every origin with CORS headers (flask-cors); they are
removed, so no page is ever told it may read an answer.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
App = Callable[[Environ, StartResponse], Iterable[bytes]]

# Fetch Metadata: what a browser says of a request; programs send no such header.
_BROWSER_OWN = {"same-origin", "none"}  # from a page of the sandbox itself, or the address typed by hand
_HOST = re.compile(r"(?:\[(?P<ipv6>[0-9a-fA-F:.]+)\]|(?P<name>[^:\[\]]+))(?::\d{1,5})?", re.ASCII)

FROM_A_WEB_PAGE = ("the sandbox answers programs on this machine (boto3, the AWS CLI), not web pages; "
                   "this request came from a web page.")
FOREIGN_HOST = ("the sandbox answers only requests addressed to 127.0.0.1, ::1 or localhost; "
                "this request named another host.")


class Guard:
    """WSGI middleware: refuse (403) requests from web pages or for other hosts; drop moto's CORS headers."""

    def __init__(self, app: App):
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        reason = refusal(environ)
        if reason:
            return _forbidden(reason, start_response)

        def without_cors(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(name, value) for name, value in headers if not name.lower().startswith("access-control-")]
            return start_response(status, kept, exc_info)

        return self.app(environ, without_cors)


def refusal(environ: Environ) -> str | None:
    """Why the request must be refused, or ``None`` when it may be served."""
    host = environ.get("HTTP_HOST", "")
    if not is_loopback_host_header(host):
        return FOREIGN_HOST
    origin = environ.get("HTTP_ORIGIN")
    # A page the sandbox served itself (moto's dashboard at /moto-api/) is the only page let in.
    if origin is not None and origin.lower() != f"http://{host.lower()}":
        return FROM_A_WEB_PAGE
    site = environ.get("HTTP_SEC_FETCH_SITE")
    if site is not None and site.lower() not in _BROWSER_OWN:
        return FROM_A_WEB_PAGE
    # A browser that sends neither (an old one, or a form posted without them) still names the page
    # it came from: a Referer of another origin is a cross-site request too.
    referer = environ.get("HTTP_REFERER")
    if referer is not None and _origin_of(referer) != f"http://{host.lower()}":
        return FROM_A_WEB_PAGE
    return None


def _origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, in lower case ('' when it has none)."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def is_loopback_host_header(host: str) -> bool:
    """Whether a ``Host`` header names this machine by address or as ``localhost`` (a port may follow).

    Any other name is refused, even one that resolves to 127.0.0.1: that is how DNS rebinding
    lets a web page reach a local service under the page's own name.
    """
    match = _HOST.fullmatch(host)
    if not match:
        return False
    address = match.group("ipv6") or match.group("name")
    if address.lower() == "localhost":
        return True
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    # An IPv6 address only in brackets, an IPv4 one only without.
    return parsed.is_loopback and (parsed.version == 6) == bool(match.group("ipv6"))


def _forbidden(reason: str, start_response: StartResponse) -> list[bytes]:
    body = f"Forbidden: {reason}\n".encode()
    start_response("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8"),
                                     ("Content-Length", str(len(body))),
                                     ("X-Content-Type-Options", "nosniff")])
    return [body]
