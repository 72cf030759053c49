"""Run a local AWS endpoint (moto) that behaves like Cognito where the identity-pool step needs it.

`start()` serves moto on loopback with the extensions in `cognitoidentity/`, `cognitoidp/`,
`iam/` and `sts/` installed; `Sandbox.env()` is the environment that points boto3 (and a
notebook kernel) at it, and `sandbox_environment()` sets it in this process while a sandbox runs. `install()` alone extends moto in this process, for tests using `moto.mock_aws()`.

moto keeps all state in process-wide globals: every server started here, and every
`mock_aws()`, sees and resets the same data. So is the IAM delay (`set_iam_delay()`): the
seconds during which a role just created, or whose trust just changed, cannot be assumed yet,
as in AWS, where IAM takes a few seconds to propagate a change.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import urllib.request
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from .server import Server

# The network in front of moto: a delay on every request and AWS's request-rate quotas,
# process-wide like the IAM delay (network.py imports nothing heavy).
from .network import get_latency, get_quotas, request_counts, set_latency, set_quotas  # noqa: F401

DEFAULT_REGION = "us-east-2"
# Any value works with moto; these are the ones moto's own documentation uses.
DUMMY_CREDENTIAL = "testing"

_installed = False


def install() -> None:
    """Extend moto's Cognito classes in this process; safe to call more than once.

    Applies to `moto.mock_aws()` and to moto servers running in this process alike.
    """
    global _installed
    if _installed:
        return
    # Imported here: importing moto is slow, and this package must stay cheap to import.
    from moto.cognitoidentity.models import CognitoIdentityBackend, CognitoIdentityPool
    from moto.cognitoidentity.responses import CognitoIdentityResponse
    from moto.cognitoidp import models as moto_user_pools
    from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.iam.models import IAMBackend
    from moto.sts.models import STSBackend
    from moto.sts.responses import TokenResponse

    from . import authorization
    from .cognitoidentity.models import (
        CognitoIdentityBackendExtension,
        CognitoIdentityPoolExtension,
    )
    from .cognitoidentity.responses import CognitoIdentityResponseExtension
    from .cognitoidp.models import CognitoIdpBackendExtension, CognitoIdpUserPoolExtension, SharedKeyImport
    from .cognitoidp.responses import CognitoIdpResponseExtension
    from .iam.models import IAMBackendExtension
    from .sts.models import STSBackendExtension
    from .sts.responses import TokenResponseExtension

    _extend(CognitoIdentityBackend, CognitoIdentityBackendExtension)
    _extend(CognitoIdentityPool, CognitoIdentityPoolExtension)
    _extend(CognitoIdentityResponse, CognitoIdentityResponseExtension)
    _extend(CognitoIdpBackend, CognitoIdpBackendExtension)
    _extend(CognitoIdpUserPool, CognitoIdpUserPoolExtension)
    _extend(CognitoIdpResponse, CognitoIdpResponseExtension)
    _extend(IAMBackend, IAMBackendExtension)
    _extend(STSBackend, STSBackendExtension)
    _extend(TokenResponse, TokenResponseExtension)
    moto_user_pools.jwk = SharedKeyImport(moto_user_pools.jwk)
    authorization.install()
    _read_moto_folders_once()
    _installed = True


def _read_moto_folders_once() -> None:
    """moto's server lists its package folder (one ``isdir`` per service) on every request to
    see whether the Host names a service: about a tenth of the sandbox's time per request. The
    folders do not change while it runs, so they are listed once."""
    from moto import backends

    listed = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: listed


def get_iam_delay() -> float:
    """The IAM delay in seconds (0, the default: roles are usable at once)."""
    from .iam.models import get_propagation_delay

    return get_propagation_delay()


def set_iam_delay(seconds: float) -> float:
    """Set the IAM delay for this process; return the previous one.

    For `seconds` after a role is created or its trust policy changed (UpdateAssumeRolePolicy),
    GetCredentialsForIdentity answers InvalidIdentityPoolConfigurationException for it and STS
    AssumeRoleWithWebIdentity answers AccessDenied, as AWS does until IAM has propagated the
    change. It applies to every sandbox server and `mock_aws()` of this process, and to roles
    changed before it was set. `/moto-api/reset` forgets when roles changed.
    """
    from .iam.models import set_propagation_delay

    return set_propagation_delay(seconds)


def _extend(target: type, mixin: type) -> None:
    """Copy the mixin's methods and properties onto `target`, replacing moto's own."""
    # Copying, not subclassing: moto instantiates its own classes, in mock_aws and in the server.
    for name, value in vars(mixin).items():
        if not (name.startswith("__") and name.endswith("__")):
            setattr(target, name, value)


class Sandbox:
    """A running moto server with the extensions installed."""

    def __init__(self, server: Server, endpoint_url: str, region: str,
                 region_servers: Mapping[str, Server] | None = None):
        self._server: Server | None = server
        self.endpoint_url = endpoint_url
        self.region = region
        self._region_servers = dict(region_servers or {})
        # The URL of each region's own port (`start(region_ports=...)`): there every call, even an
        # unsigned one, is for that region, as at that region's AWS endpoint.
        self.region_endpoints = {name: _url(*server.address) for name, server in self._region_servers.items()}

    def env(self) -> dict[str, str]:
        """Environment variables that point boto3 at this sandbox with dummy credentials."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIAL,
            "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIAL,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }

    @property
    def iam_delay(self) -> float:
        """The IAM delay in seconds: `get_iam_delay()`, which is process-wide like moto's state."""
        return get_iam_delay()

    @iam_delay.setter
    def iam_delay(self, seconds: float) -> None:
        set_iam_delay(seconds)

    def reset(self) -> None:
        """Delete every resource (moto's `/moto-api/reset`, which is process-wide)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        # No proxy: an HTTP(S)_PROXY from the environment must not receive loopback traffic.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=30):
            pass

    def stop(self) -> None:
        """Stop the server; calling it again does nothing."""
        for server in [self._server, *self._region_servers.values()]:
            if server is not None:
                server.stop()
        self._server = None
        self._region_servers = {}

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Sandbox(endpoint_url={self.endpoint_url!r}, region={self.region!r})"


def start(
    port: int = 0, host: str = "127.0.0.1", region: str = DEFAULT_REGION, iam_delay: float = 0,
    latency_ms: float = 0, quotas: bool | Mapping[str, float] = False, region_ports: Mapping[str, int] | None = None,
    allow_origins: Iterable[str] = (),
) -> Sandbox:
    """Install the extensions and serve moto on `host:port` (port 0: any free port).

    Only loopback hosts are accepted: moto takes any credentials, so it must not be
    reachable from other machines, nor from web pages open in a browser on this one
    (`guard.py`). `region` must be one where AWS offers Cognito (`check_region()`).
    `iam_delay` sets the IAM delay (see `set_iam_delay()`). A port that cannot be
    listened on (taken, or privileged) raises `OSError`. `latency_ms` delays every request
    (`set_latency()`, in seconds) and `quotas` enforces request-rate quotas (`set_quotas()`);
    like the IAM delay, both apply to the whole process. `region_ports` opens one more port per
    region named (0: any free port), where every call is for that region (`regions.py`).
    """
    if not _is_loopback_host(host):
        raise ValueError(
            f"host {host!r} is not a loopback address: the sandbox accepts any credentials, "
            "so it only listens on 127.0.0.1, ::1 or localhost"
        )
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port!r} is not a TCP port: give 1 to 65535, or 0 for any free port")
    region = check_region(region)
    from .guard import check_origin

    origins = tuple(check_origin(origin) for origin in allow_origins)
    region_ports = {check_region(name): port for name, port in (region_ports or {}).items()}
    for port_asked in region_ports.values():
        if not 0 <= port_asked <= 65535:
            raise ValueError(f"port {port_asked!r} is not a TCP port: give 1 to 65535, or 0 for any free port")
    install()
    set_iam_delay(iam_delay)
    set_latency(latency_ms / 1000)
    set_quotas(quotas)
    from .server import Server

    servers: list[Server] = []
    try:
        for name, port_asked in [(None, port), *region_ports.items()]:
            try:
                servers.append(Server(host, port_asked, region=name, allowed_origins=origins))
            except OSError as error:
                failure = OSError(error.errno, f"cannot start the sandbox on {host}:{port_asked}: {error.strerror}")
                failure.port, failure.region = port_asked, name  # which port failed: --port's or a region's
                raise failure from error
    except OSError:
        for server in servers:
            server.stop()
        raise
    return Sandbox(servers[0], _url(*servers[0].address), region, dict(zip(region_ports, servers[1:])))


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def check_region(region: str) -> str:
    """The region, if it is one where AWS offers Cognito Identity and Cognito user pools (else
    :class:`ValueError`). The sandbox answers any region that botocore knows; another would fail
    every call later."""
    import botocore.session

    known = botocore.session.get_session()
    for service, name in (("cognito-identity", "Cognito Identity"), ("cognito-idp", "Cognito user pools")):
        if region not in known.get_available_regions(service):
            raise ValueError(f"'{region}' is not a region where AWS offers {name}")
    return region


def is_loopback(url: str) -> bool:
    """Whether a URL (or a bare host) points at this machine: 127.0.0.0/8, ::1 or localhost."""
    if _is_loopback_host(url):
        return True
    host = urlsplit(url if "://" in url else f"//{url}").hostname
    return host is not None and _is_loopback_host(host)


def _is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextlib.contextmanager
def patched_environ(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set environment variables (``None`` removes one) meanwhile; restore them afterwards."""
    saved = {key: os.environ.get(key) for key in values}
    try:
        _apply_environ(values)
        yield
    finally:
        _apply_environ(saved)


def _apply_environ(values: Mapping[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@contextlib.contextmanager
def sandbox_environment(region: str = DEFAULT_REGION, iam_delay: float = 0) -> Iterator[Sandbox]:
    """Start a sandbox and point this process's standard AWS variables at it meanwhile.

    Processes started inside (kernels, papermill) inherit it; ``AWS_PROFILE`` is unset so a
    profile cannot take precedence over the sandbox's dummy credentials. `iam_delay` as in
    `start()`: it applies to this process, whose server the kernels talk to.
    """
    with start(region=region, iam_delay=iam_delay) as box, patched_environ(
        {**box.env(), "AWS_PROFILE": None}
    ):
        yield box
