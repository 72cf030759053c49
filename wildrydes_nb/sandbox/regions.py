"""One region per loopback port, for the calls that carry no region.

AWS serves each region at its own endpoint (``cognito-identity.us-west-2.amazonaws.com``), so a
call sent to another region than the pool's fails there: ResourceNotFoundException. A signed
request names its region in its credential scope, and moto serves that region. The calls a web
app makes before it has credentials (GetId, GetCredentialsForIdentity, InitiateAuth, SignUp...)
are unsigned: on a port every region shares, nothing says which region was meant, and the
sandbox finds the pool by its id. A port opened for one region (``start(region_ports=...)``,
``wildrydes-nb sandbox --region-port``) says it: there, every call is for that region, as at
that region's endpoint, and a request signed for another region is refused as AWS refuses it.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterable

# The header in which a request served by a region's port carries its region to the extensions
# (moto hands them the headers, not the WSGI environment); on the shared port it is removed.
REGION_HEADER = "X-Wildrydes-Sandbox-Region"
_REGION_KEY = "HTTP_" + REGION_HEADER.upper().replace("-", "_")
REGIONAL_SERVICES = {"cognito-identity", "cognito-idp"}
_SCOPE = re.compile(r"Credential=[^/,]*/[0-9]{8}/([^/,]+)/([a-z0-9-]+)/aws4_request")

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


def region_of(response: Any) -> str | None:
    """The region a moto request is for: its port's, else its signature's; None when nothing says."""
    region = response.headers.get(REGION_HEADER)
    if region:
        return region
    return response.region if response.headers.get("Authorization") else None


class RegionPort:
    """WSGI middleware for a region's port: mark each request with the region; refuse one signed for
    another. For the shared port (`region` None) it only removes a mark a client sent itself."""

    def __init__(self, app: Callable, region: str | None):
        self.app = app
        self.region = region

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        environ.pop(_REGION_KEY, None)
        if self.region is None:
            return self.app(environ, start_response)
        environ[_REGION_KEY] = self.region
        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        # IAM is global and STS answers anywhere: only the regional Cognito services are checked.
        if scope and scope.group(2) in REGIONAL_SERVICES and scope.group(1) != self.region:
            return _wrong_scope(start_response, scope.group(1), self.region)
        return self.app(environ, start_response)


def _wrong_scope(start_response: StartResponse, signed_for: str, region: str) -> list[bytes]:
    # The message public reports quote for a request signed for one region and sent to another's
    # endpoint (aws/aws-sdk-ruby#508, aws/aws-sdk-go#156); JSON services call it InvalidSignatureException
    # (aws/aws-sdk-js-v3#5576).
    message = f"Credential should be scoped to a valid region, not '{signed_for}'. "
    body = json.dumps({"__type": "InvalidSignatureException", "message": message.strip()}).encode()
    start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.1"),
                                       ("x-amzn-ErrorType", "InvalidSignatureException"),
                                       ("Content-Length", str(len(body)))])
    return [body]
