"""Replays webhook payload files to a receiver, signed and with the headers GitHub sends.

A payload file is JSON in one of two shapes:
  * a wrapper ``{"event": "pull_request", "payload": {...}, "delivery_id": "optional"}``;
  * a plain payload as GitHub sends it; the event then comes from ``--event``.
A directory replays every ``*.json`` file in it, sorted by name. Without a fixed delivery id each
delivery gets a fresh one (uuid4, as GitHub does); a fixed id makes every post a redelivery.
"""
from __future__ import annotations

import dataclasses
import json
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from prguard.github.signature import HEADER, sign

USER_AGENT = "GitHub-Hookshot/prguard-replay"
TIMEOUT_SECONDS = 10  # GitHub gives up on a receiver after 10 s


class ReplayError(ValueError):
    """A payload file cannot be replayed; the message names the file and what to change."""


@dataclasses.dataclass(frozen=True)
class Delivery:
    event: str
    payload: dict[str, Any]
    delivery_id: str | None = None
    source: str = ""

    @property
    def body(self) -> bytes:
        # Compact separators like GitHub's; the signature covers exactly these bytes.
        return json.dumps(self.payload, separators=(",", ":")).encode()


@dataclasses.dataclass(frozen=True)
class Result:
    source: str
    event: str
    action: str | None
    delivery_id: str
    status: int | None  # None when no response arrived
    elapsed_ms: float
    body: str

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def github_headers(event: str, body: bytes, secret: str, delivery_id: str | None = None,
                   hook_id: str = "1", app_id: str = "1") -> dict[str, str]:
    """The headers of a GitHub App delivery (X-GitHub-Hook-Installation-Target-* name the App)."""
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id or str(uuid.uuid4()),
        HEADER: sign(secret, body),
        "X-GitHub-Hook-ID": hook_id,
        "X-GitHub-Hook-Installation-Target-Type": "integration",
        "X-GitHub-Hook-Installation-Target-ID": app_id,
        "User-Agent": USER_AGENT,
        "Content-Type": "application/json",
    }


def parse_delivery(data: Any, source: str, event: str | None = None) -> Delivery:
    """One delivery from a loaded file: a wrapper, or a plain payload plus ``event``."""
    if not isinstance(data, dict):
        raise ReplayError(f"{source}: expected a JSON object, got {type(data).__name__}")
    if isinstance(data.get("event"), str) and isinstance(data.get("payload"), dict):
        delivery_id = data.get("delivery_id")
        return Delivery(data["event"], data["payload"], delivery_id if isinstance(delivery_id, str) else None,
                        source)
    if not event:
        raise ReplayError(f"{source}: a plain payload needs --event (or wrap it as "
                          '{"event": "pull_request", "payload": {...}})')
    return Delivery(event, data, None, source)


def load_deliveries(path: str | Path, event: str | None = None) -> list[Delivery]:
    """The deliveries in a file, or in every ``*.json`` file of a directory (sorted by name)."""
    path = Path(path)
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files:
        raise ReplayError(f"{path}: no *.json payload files in this directory")
    deliveries = []
    for file in files:
        try:
            data = json.loads(file.read_text())
        except OSError as exc:
            raise ReplayError(f"{file}: cannot read ({exc.strerror})") from None
        except ValueError as exc:
            raise ReplayError(f"{file}: not valid JSON ({exc})") from None
        deliveries.append(parse_delivery(data, str(file), event))
    return deliveries


def post_delivery(session: requests.Session, url: str, delivery: Delivery, secret: str,
                  delivery_id: str | None = None, timeout: float = TIMEOUT_SECONDS) -> Result:
    """Sign and POST one delivery; a connection error gives a Result with status None."""
    body = delivery.body
    headers = github_headers(delivery.event, body, secret, delivery_id or delivery.delivery_id)
    action = delivery.payload.get("action") if isinstance(delivery.payload.get("action"), str) else None
    started = time.perf_counter()
    try:
        response = session.post(url, data=body, headers=headers, timeout=timeout)
        status, text = response.status_code, response.text
    except requests.RequestException as exc:
        status, text = None, f"{type(exc).__name__}: {exc}"
    elapsed = (time.perf_counter() - started) * 1000
    return Result(delivery.source, delivery.event, action, headers["X-GitHub-Delivery"], status, elapsed,
                  text)


def replay(path: str | Path, url: str, secret: str, event: str | None = None,
           delivery_id: str | None = None, session: requests.Session | None = None) -> list[Result]:
    """Post every delivery under ``path`` to ``url`` in order; returns one Result each."""
    deliveries = load_deliveries(path, event)
    session = session or requests.Session()
    return [post_delivery(session, url, delivery, secret, delivery_id) for delivery in deliveries]
