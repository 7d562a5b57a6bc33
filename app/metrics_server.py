"""The worker's own small HTTP listener: GET /metrics and /healthz on a private port (`--metrics-bind`)."""
from __future__ import annotations

import threading
from socketserver import ThreadingMixIn
from typing import Callable
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from app import metrics


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    # A slow scraper must not hold up the next one; threads die with the process.
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # scrapes every 30 s would flood the worker's structured log
        pass


def metrics_app(alive: Callable[[], bool]) -> Callable:
    """WSGI app: /metrics (this process's metrics), /healthz (200 while ``alive()``), 404 elsewhere."""
    def application(environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Content-Type", "text/plain"), ("Allow", "GET, HEAD")])
            return [b"method not allowed\n"]
        if path == "/metrics":
            body, content_type = metrics.render()
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
            return [body]
        if path == "/healthz":
            ok = alive()
            body = b'{"status": "ok"}\n' if ok else b'{"status": "worker loop stopped"}\n'
            status = "200 OK" if ok else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [body]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: this port serves /metrics and /healthz\n"]

    return application


class MetricsServer:
    """Serves ``metrics_app`` on ``(host, port)`` in a daemon thread until ``close()``."""

    def __init__(self, address: tuple[str, int], alive: Callable[[], bool]):
        host, port = address
        self._server = make_server(host, port, metrics_app(alive), server_class=_ThreadingServer,
                                   handler_class=_QuietHandler)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="prguard-metrics",
                                        daemon=True)

    def start(self) -> "MetricsServer":
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
