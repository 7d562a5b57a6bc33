"""One gunicorn, two listeners: requests on the metrics port reach /metrics, /healthz and /readyz only,
requests on every other port reach the webhook only.

The listener is told by the local port of the accepted socket, never by the Host header or anything
else a client sends: a request that arrives through the Ingress (on the webhook port) cannot reach
/metrics however it is addressed.
"""
from __future__ import annotations

from typing import Callable, Iterable

from app.factory import build_services, flask_app

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def local_port(environ: dict) -> int | None:
    """The port this connection was accepted on (gunicorn puts the socket in the environ)."""
    sock = environ.get("gunicorn.socket")
    try:
        address = sock.getsockname() if sock is not None else None
    except OSError:  # the client is already gone; the request goes nowhere useful either way
        return None
    return address[1] if isinstance(address, tuple) else None


class ListenerDispatch:
    """WSGI app that hands each request to ``ops`` when it came in on ``ops_port``, else to ``public``."""

    def __init__(self, public: WSGIApp, ops: WSGIApp, ops_port: int):
        self.public, self.ops, self.ops_port = public, ops, int(ops_port)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        app = self.ops if local_port(environ) == self.ops_port else self.public
        return app(environ, start_response)


def create_listeners(metrics_port: int) -> ListenerDispatch:
    """Gunicorn's entrypoint under ``prguard serve --metrics-bind``: both apps share one store."""
    services = build_services()
    return ListenerDispatch(flask_app(services, "public"), flask_app(services, "ops"), metrics_port)
