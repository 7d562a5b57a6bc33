"""Slow HTTP clients (slowloris) against a local service, and probes timing what real callers get meanwhile.

Each slow client opens a connection and sends a request one byte per ``interval`` -- its headers
(``mode="headers"``) or, after complete headers announcing a large body, the body (``mode="body"``).
When the server closes the connection the client notes how long it was held and connects again, so the
pressure stays at ``count`` connections for the whole run. All of them run on one asyncio loop in a
background thread; only addresses on this machine are ever targeted.
"""
from __future__ import annotations

import asyncio
import dataclasses
import json
import statistics
import threading
import time
import uuid

import requests

from tests.support.webhooks import example, headers

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclasses.dataclass
class SlowReport:
    connections: int = 0  # opened, reconnects included
    refused: int = 0  # connects that failed
    bytes_sent: int = 0
    held: list = dataclasses.field(default_factory=list)  # seconds each closed-by-server connection lasted

    def summary(self) -> str:
        held = sorted(self.held)
        median = f"{statistics.median(held):.1f} s" if held else "-"
        return (f"{self.connections} connections opened ({self.refused} refused), {self.bytes_sent} bytes "
                f"sent; {len(held)} closed by the server after a median {median}")


def _request_head(host: str, body_length: int | None) -> bytes:
    lines = ["POST /webhooks/github HTTP/1.1", f"Host: {host}", "X-GitHub-Event: ping",
             f"X-GitHub-Delivery: {uuid.uuid4()}", "Content-Type: application/json",
             "User-Agent: slow-client/1.0"]
    lines += [f"X-Padding-{n}: {'x' * 40}" for n in range(8)]  # never complete within a minute
    if body_length is not None:
        lines.append(f"Content-Length: {body_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _slow_client(host: str, port: int, mode: str, interval: float, until: float, report: SlowReport):
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            report.refused += 1
            await asyncio.sleep(interval)
            continue
        report.connections += 1
        opened = time.monotonic()
        head = _request_head(host, 10_000_000 if mode == "body" else None)
        trickle = head if mode == "headers" else b"{" + b" " * 10_000
        try:
            if mode == "body":
                writer.write(head)
                await writer.drain()
            for byte in trickle:
                if time.monotonic() >= until:
                    break
                writer.write(bytes([byte]))
                await writer.drain()
                report.bytes_sent += 1
                try:
                    answer = await asyncio.wait_for(reader.read(4096), timeout=interval)
                except asyncio.TimeoutError:
                    continue
                # The server answered or closed the connection (b""): either way it stopped waiting.
                raise ConnectionResetError(answer[:40])
        except (ConnectionError, OSError):
            report.held.append(time.monotonic() - opened)
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass


class SlowClients:
    """``count`` slow clients against ``base_url`` for ``seconds``, started in the background."""

    def __init__(self, base_url: str, count: int, seconds: float, mode: str = "headers", interval: float = 1.0):
        host, port = base_url.split("://", 1)[1].rsplit(":", 1)
        if host not in LOCAL_HOSTS:
            raise ValueError(f"slow clients only target this machine, not {host}")
        self.host, self.port, self.count, self.seconds = host, int(port), count, seconds
        self.mode, self.interval = mode, interval
        self.report = SlowReport()
        self._thread = threading.Thread(target=asyncio.run, args=(self._run(),), daemon=True)

    async def _run(self) -> None:
        until = time.monotonic() + self.seconds
        await asyncio.gather(*(_slow_client(self.host, self.port, self.mode, self.interval, until, self.report)
                               for _ in range(self.count)))

    def __enter__(self) -> "SlowClients":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._thread.join(self.seconds + 30)


def signed_delivery(base_url: str, secret: str, number: int, timeout: float) -> requests.Response:
    payload = example("pull_request", "opened", index=1)
    payload["pull_request"]["number"] = number
    body = json.dumps(payload).encode()
    return requests.post(f"{base_url}/webhooks/github", data=body, headers=headers("pull_request", body, secret),
                         timeout=timeout)


@dataclasses.dataclass
class Probe:
    kind: str  # healthz or delivery
    seconds: float | None  # None: no answer within the timeout
    status: int | None


def probe_while(base_url: str, secret: str, seconds: float, every: float = 1.0, timeout: float = 5.0,
                first_number: int = 10_000) -> list[Probe]:
    """GET /healthz and POST a signed delivery every ``every`` seconds for ``seconds``, timing each."""
    probes: list[Probe] = []
    until = time.monotonic() + seconds
    number = first_number
    while time.monotonic() < until:
        started = time.monotonic()
        for kind in ("healthz", "delivery"):
            began = time.monotonic()
            try:
                if kind == "healthz":
                    response = requests.get(f"{base_url}/healthz", timeout=timeout)
                else:
                    number += 1
                    response = signed_delivery(base_url, secret, number, timeout)
                probes.append(Probe(kind, time.monotonic() - began, response.status_code))
            except requests.RequestException:
                probes.append(Probe(kind, None, None))
        time.sleep(max(0.0, every - (time.monotonic() - started)))
    return probes


def describe(probes: list[Probe], within: float = 1.0) -> str:
    parts = []
    for kind in ("healthz", "delivery"):
        mine = [p for p in probes if p.kind == kind]
        answered = [p.seconds for p in mine if p.seconds is not None]
        fast = sum(1 for s in answered if s <= within)
        worst = f"{max(answered) * 1000:.0f} ms" if answered else "-"
        median = f"{statistics.median(answered) * 1000:.0f} ms" if answered else "-"
        parts.append(f"{kind}: {fast}/{len(mine)} answered within {within:g} s (median {median}, worst {worst})")
    return "; ".join(parts)
