"""The tests' network guard: no process the test suite runs or starts connects beyond loopback.

It lives beside the tests, on its own (standard library; botocore once imported), so that it
holds in any interpreter a test starts and cannot be broken by the code it guards. The test
process installs it from ``conftest.py``; every Python process started from there (notebook
kernels of nbval, papermill and nbclient, batch learners' kernels, CLI runs) installs it from
``sitecustomize.py``, which Python's ``site`` module imports at start-up from ``PYTHONPATH``,
where ``conftest.py`` puts this folder first. (A ``.pth`` file would need writing into the
virtual environment; ``usercustomize`` is off in virtual environments.) Forked processes, such as
batch learners, inherit the guard of the process they were forked from.
"""

import importlib.abc
import importlib.util
import ipaddress
import os
import socket
import sys
from urllib.parse import urlsplit

REFUSAL = "tests only talk to a loopback sandbox (see tests/guard/loopback_guard.py)"
# Never through a proxy: loopback traffic stays on this machine even if a test sets a proxy.
LOOPBACK_NAMES = "localhost,127.0.0.1,::1"


class NonLoopbackRefused(PermissionError):
    """A connection to an address off this machine was refused before it was attempted."""


def is_loopback_host(host) -> bool:
    """Whether ``host`` (a name or an address) is this machine: localhost, 127.0.0.0/8 or ::1."""
    if not isinstance(host, str):
        return False
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # any other name: resolving it could already leave the machine
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def clear_environment(environ=os.environ) -> None:
    """Remove what could route a client past the sandbox: ``AWS_ENDPOINT_URL_<SERVICE>``,
    ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` (it would drop the sandbox's ``AWS_ENDPOINT_URL``) and
    every proxy variable, in either case (urllib, requests and botocore read ``*_proxy`` in any case)."""
    for key in list(environ):
        upper = key.upper()
        if (upper.startswith("AWS_ENDPOINT_URL_") or upper == "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
                or (upper.endswith("_PROXY") and upper != "NO_PROXY")):
            del environ[key]
    environ["NO_PROXY"] = environ["no_proxy"] = LOOPBACK_NAMES


def _check_address(sock, address) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback_host(address[0]):
        raise NonLoopbackRefused(f"refused a connection to {address[0]} port {address[1]}: {REFUSAL}.")


def _guard_sockets() -> None:
    # socket.create_connection, urllib3, http.client and asyncio all end in these two methods;
    # the check runs before the real connect, so nothing is sent, not even a SYN.
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guarded_connect(self, address):
        _check_address(self, address)
        return connect(self, address)

    def guarded_connect_ex(self, address):
        _check_address(self, address)
        return connect_ex(self, address)

    socket.socket.connect, socket.socket.connect_ex = guarded_connect, guarded_connect_ex


def _guard_botocore(httpsession) -> None:
    URLLib3Session = httpsession.URLLib3Session
    send = URLLib3Session.send

    def loopback_only_send(self, request):
        # moto's in-process mock answers before this layer; anything reaching it goes on the wire.
        url = urlsplit(request.url)
        if not is_loopback_host(url.hostname):
            raise NonLoopbackRefused(f"refused a request to {url.netloc}: {REFUSAL}.")
        return send(self, request)

    URLLib3Session.send = loopback_only_send


class _GuardBotocoreOnImport(importlib.abc.MetaPathFinder):
    """Guards botocore's sender when a process imports it, not before: importing botocore in
    every process would slow each one and change what it has loaded (tests check that)."""

    def find_spec(self, name, path, target=None):
        if name != "botocore.httpsession":
            return None
        sys.meta_path.remove(self)  # once: the real finders locate the module
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            _guard_botocore(module)

        spec.loader.exec_module = exec_module
        return spec


_installed = False


def install() -> None:
    """Refuse, in this process, every connection (and every botocore request) to a host that is
    not loopback, before it is attempted. Installing twice changes nothing."""
    global _installed
    if not _installed:
        _guard_sockets()
        if "botocore.httpsession" in sys.modules:
            _guard_botocore(sys.modules["botocore.httpsession"])
        else:
            sys.meta_path.insert(0, _GuardBotocoreOnImport())
        _installed = True
