"""moto's HTTP server on loopback, behind the guard, served from a thread."""

from __future__ import annotations

import logging
import socket
import threading

from . import guard, network, outbox, regions, serialization


class Server:
    """moto's WSGI application as `moto.server.ThreadedMotoServer` serves it, with `guard.Guard` in front;
    with a `region`, every call on this port is for that region (`regions.RegionPort`).

    The port is bound here, in the caller's thread: a taken port raises `OSError` at once
    (werkzeug, binding in the server thread, would end that thread and leave the caller waiting).
    """

    def __init__(self, host: str, port: int, region: str | None = None, allowed_origins: tuple[str, ...] = ()):
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        # werkzeug would log every request to stderr, burying the output of whoever drives this.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.create_server((host, port), family=family) as listener:
            # The guard first: a refused request meets neither the network's delay nor a quota.
            # Then a malformed request is refused as AWS refuses it, before moto reads it.
            # The outbox (sign-up codes) is the sandbox's own page, behind the guard too.
            app = outbox.Outbox(serialization.Serialization(network.wrap(DomainDispatcherApplication(create_backend_app))))
            # A port of one region marks each request with it (regions.py).
            app = guard.Guard(regions.RegionPort(app, region), allowed_origins)
            # werkzeug serves a copy of the listening socket; this one is closed on leaving.
            self._server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler,
                                       fd=listener.fileno())
        self._thread = threading.Thread(target=self._server.serve_forever, name="wildrydes-sandbox", daemon=True)
        self._thread.start()

    @property
    def address(self) -> tuple[str, int]:
        """The host and port it listens on (the port chosen by the system when 0 was asked)."""
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def stop(self) -> None:
        """Stop serving and close the port."""
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()
