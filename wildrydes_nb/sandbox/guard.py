"""Keep web pages and foreign host names out of the sandbox: WSGI middleware in front of moto.

The sandbox takes any credentials, so whoever can send it a request can read and change all it
holds. Programs on this machine (boto3, the AWS CLI, notebook kernels) are its only clients;
a web page open in the learner's browser must not be one. A browser says where a request comes
from (``Origin``, ``Sec-Fetch-Site``), and names the host it thinks it talks to (``Host``): a
page of another site is refused by the first, a DNS-rebinding page (its own name resolved to
127.0.0.1) by the second. moto answers every origin with CORS headers (flask-cors); they are
removed, so no page is ever told it may read an answer, unless the learner allowed its origin
(``wildrydes-nb sandbox --allow-origin``), and then only for the Cognito APIs.
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


# The services a web app calls from the browser, by X-Amz-Target prefix: only these answer CORS
# (IAM and STS do not), so only these are opened to an allowed origin.
BROWSER_SERVICES = ("AWSCognitoIdentityService.", "AWSCognitoIdentityProviderService.")
# What the preflight answer lets the page send and read (inferred: AWS documents no list; these are
# what the SDKs send and read).
EXPOSED_HEADERS = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date"
PREFLIGHT_MAX_AGE = "86400"


class Guard:
    """WSGI middleware: refuse (403) requests from web pages or for other hosts; drop moto's CORS headers.

    `allowed_origins` (``http://localhost:8080``...; none by default) lists the pages that may call
    the Cognito APIs as a web app calls AWS: their preflights are answered and their calls get
    CORS headers naming that origin. Nothing else is opened to them: not moto's ``/moto-api/``,
    not the sandbox's codes, not IAM or STS, and the host check stays.
    """

    def __init__(self, app: App, allowed_origins: Iterable[str] = ()):
        self.app = app
        self.allowed_origins = frozenset(origin.lower() for origin in allowed_origins)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        origin = self._allowed_call(environ)
        if origin is None:
            reason = refusal(environ)
            if reason:
                return _forbidden(reason, start_response)
        elif environ.get("REQUEST_METHOD") == "OPTIONS":
            return _preflight(origin, environ, start_response)

        def with_own_cors(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(name, value) for name, value in headers if not name.lower().startswith("access-control-")]
            if origin is not None:
                kept += [("Access-Control-Allow-Origin", origin), ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
                         ("Vary", "Origin")]
            return start_response(status, kept, exc_info)

        return self.app(environ, with_own_cors)

    def _allowed_call(self, environ: Environ) -> str | None:
        """The request's Origin when it is an allowed page calling a Cognito API (or its preflight)."""
        origin = environ.get("HTTP_ORIGIN")
        if origin is None or origin.lower() not in self.allowed_origins:
            return None
        if not is_loopback_host_header(environ.get("HTTP_HOST", "")) or environ.get("PATH_INFO") != "/":
            return None
        method = environ.get("REQUEST_METHOD")
        if method == "OPTIONS":
            return origin if environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD") == "POST" else None
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        return origin if method == "POST" and target.startswith(BROWSER_SERVICES) else None


_ORIGIN = re.compile(r"(https?)://([a-z0-9.-]+|\[[0-9a-f:.]+\])(:[0-9]{1,5})?", re.ASCII)


def check_origin(origin: str) -> str:
    """An origin as a browser sends it (``http://localhost:8080``), in lower case; else ValueError."""
    text = origin.strip().lower()
    match = _ORIGIN.fullmatch(text)
    if not match or (match.group(3) and not 0 < int(match.group(3)[1:]) <= 65535):
        raise ValueError(f"{origin!r} is not an origin: give scheme://host[:port], e.g. http://localhost:8080, "
                         "with no path")
    return text


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


def _preflight(origin: str, environ: Environ, start_response: StartResponse) -> list[bytes]:
    """The answer to an allowed page's CORS preflight: this origin may POST with the headers it asked for."""
    headers = [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Methods", "POST"),
               ("Access-Control-Max-Age", PREFLIGHT_MAX_AGE), ("Vary", "Origin"), ("Content-Length", "0")]
    asked = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
    if asked:
        headers.append(("Access-Control-Allow-Headers", asked))
    start_response("200 OK", headers)
    return [b""]


def _forbidden(reason: str, start_response: StartResponse) -> list[bytes]:
    body = f"Forbidden: {reason}\n".encode()
    start_response("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8"),
                                     ("Content-Length", str(len(body))),
                                     ("X-Content-Type-Options", "nosniff")])
    return [body]
