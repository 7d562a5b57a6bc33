"""Signed webhook deliveries built from GitHub's own example payloads, for the receiver's tests."""
from __future__ import annotations

import copy
import json
import uuid

from prguard.github.signature import sign
from tests.support.npm_packages import examples_for

SECRET = "test-webhook-secret"
INSTALLATION_ID = 4242


def example(event: str, action: str | None = None, index: int = 0, installation: bool = True) -> dict:
    """A deep copy of one of GitHub's examples; ``installation`` makes sure it carries installation.id
    (several examples were captured from repository webhooks, which have none)."""
    payload = copy.deepcopy(examples_for(event, action)[index])
    if installation and not (payload.get("installation") or {}).get("id"):
        payload["installation"] = {"id": INSTALLATION_ID, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u"}
    return payload


def headers(event: str, body: bytes, secret: str = SECRET, delivery_id: str | None = None) -> dict[str, str]:
    """The headers GitHub sends with a delivery."""
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(secret, body),
        "X-GitHub-Hook-ID": "1",
        "X-GitHub-Hook-Installation-Target-Type": "integration",
        "X-GitHub-Hook-Installation-Target-ID": "1",
        "User-Agent": "GitHub-Hookshot/tests",
        "Content-Type": "application/json",
    }


def post(client, event: str, payload: dict, delivery_id: str | None = None, secret: str = SECRET):
    """POST a correctly signed delivery through a Flask test client."""
    body = json.dumps(payload).encode()
    return client.post("/webhooks/github", data=body, headers=headers(event, body, secret, delivery_id))
