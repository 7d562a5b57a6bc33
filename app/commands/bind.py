"""HOST:PORT command-line addresses (the --metrics-bind of `prguard serve` and `prguard worker`)."""
from __future__ import annotations

import click


class BindAddress(click.ParamType):
    """``HOST:PORT`` (``[::1]:9090`` for IPv6) -> ``(host, port)``, with a message saying what is wrong."""

    name = "HOST:PORT"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        host, sep, port = str(value).rpartition(":")
        host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            self.fail(f"{value!r} is not HOST:PORT with a port from 1 to 65535 (e.g. 0.0.0.0:9090)",
                      param, ctx)
        return host, int(port)


def bind_port(bind: str) -> int | None:
    """The port of a gunicorn --bind value, None for a unix socket or fd."""
    if bind.startswith(("unix:", "fd://")):
        return None
    _, _, port = bind.rpartition(":")
    return int(port) if port.isdigit() else None


def format_bind(address: tuple[str, int]) -> str:
    host, port = address
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
