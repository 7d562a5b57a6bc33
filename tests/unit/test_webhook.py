"""The receiver's contract for bad input: the documented status, nothing stored, never a 5xx."""
from __future__ import annotations

import io
import json

import pytest

from app.factory import create_app
from prguard.github.signature import BodySignature, sign
from tests.support.webhook_app import UnreachableStore
from tests.support import webhook_app
from tests.support.webhooks import SECRET, example, headers

# Shared fixtures (tests/support/webhook_app.py), made visible to this module.
webhook_settings, webhook_store, webhook_client = (webhook_app.webhook_settings, webhook_app.webhook_store,
                                                   webhook_app.webhook_client)

DELIVERY = "bad-input-delivery"


def opened_body() -> bytes:
    return json.dumps(example("pull_request", "opened", index=1)).encode()


def assert_nothing_stored(store):
    assert store.jobs.list() == []
    assert store.prs.count() == 0
    assert store.installations.list() == []
    assert store.deliveries.claim(DELIVERY, "pull_request", "opened"), "the delivery was recorded"


def send(client, body: bytes, **header_changes):
    sent = headers("pull_request", body, delivery_id=DELIVERY)
    for name, value in header_changes.items():
        name = name.replace("_", "-")
        if value is None:
            sent.pop(name, None)
        else:
            sent[name] = value
    return client.post("/webhooks/github", data=body, headers=sent)


def test_signature_is_githubs_hmac_sha256():
    # The example from GitHub's "Validating webhook deliveries" documentation.
    assert sign("It's a Secret to Everybody", b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
    assert verify("It's a Secret to Everybody", b"Hello, World!", sign("It's a Secret to Everybody", b"Hello, World!"))
    assert not verify("It's a Secret to Everybody", b"Hello, World?", sign("It's a Secret to Everybody", b"Hello, World!"))
    assert not verify("s", b"x", None)


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """The receiver's check: the body fed in chunks as it is read, then the header compared."""
    signature = BodySignature(secret)
    for start in range(0, len(body), 4):
        signature.update(body[start:start + 4])
    return signature.matches(header)


BODY = opened_body()
BAD_INPUT = {
    "missing signature": (401, BODY, {"X-Hub-Signature-256": None}),
    "wrong signature": (401, BODY, {"X-Hub-Signature-256": "sha256=" + "0" * 64}),
    "other secret": (401, BODY, {"X-Hub-Signature-256": sign("another-secret", BODY)}),
    "sha1 signature only": (401, BODY, {"X-Hub-Signature-256": None, "X-Hub-Signature": "sha1=" + "0" * 40}),
    "non-ascii signature": (401, BODY, {"X-Hub-Signature-256": "sha256=\u00e9"}),
    "missing event": (400, BODY, {"X-GitHub-Event": None}),
    "missing delivery id": (400, BODY, {"X-GitHub-Delivery": None}),
    "malformed event": (400, BODY, {"X-GitHub-Event": "pull request; drop"}),
    "form encoded": (415, b"payload=" + BODY, {"Content-Type": "application/x-www-form-urlencoded"}),
    "text plain": (415, BODY, {"Content-Type": "text/plain"}),
    "no content type": (415, BODY, {"Content-Type": None}),
    "malformed json": (400, BODY[:-1] + b",", {}),
    "json array": (400, b"[1, 2]", {}),
    "not utf-8": (400, b"\xff\xfe{}", {}),
    "empty body": (400, b"", {}),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_gets_documented_status_and_stores_nothing(webhook_client, webhook_store, case):
    status, body, changes = BAD_INPUT[case]
    if "X-Hub-Signature-256" not in changes:
        changes = {**changes, "X-Hub-Signature-256": sign(SECRET, body)}
    response = send(webhook_client, body, **changes)
    assert response.status_code == status, response.json
    assert response.is_json and response.json["error"]
    assert_nothing_stored(webhook_store)


def test_truncated_body_fails_the_signature(webhook_client, webhook_store):
    signature = sign(SECRET, BODY)
    response = webhook_client.post("/webhooks/github", data=BODY[: len(BODY) // 2],
                                   headers={**headers("pull_request", BODY, delivery_id=DELIVERY),
                                            "X-Hub-Signature-256": signature})
    assert response.status_code == 401
    assert_nothing_stored(webhook_store)


def test_body_over_the_cap_is_413_before_reading_it(webhook_settings, webhook_store):
    app = create_app(webhook_settings.replace(max_webhook_bytes=1024), webhook_store,
                     model_status=lambda: {"known": True})
    body = json.dumps({"action": "opened", "padding": "x" * 2048}).encode()
    response = app.test_client().post("/webhooks/github", data=body,
                                      headers=headers("pull_request", body, delivery_id=DELIVERY))
    assert response.status_code == 413
    assert_nothing_stored(webhook_store)


def test_chunked_body_over_the_cap_is_413(webhook_settings, webhook_store):
    app = create_app(webhook_settings.replace(max_webhook_bytes=1024), webhook_store,
                     model_status=lambda: {"known": True})
    body = b"{" + b" " * 4096 + b"}"
    sent = headers("pull_request", body, delivery_id=DELIVERY)
    # No Content-Length: the cap must hold while reading the stream.
    environ = {"wsgi.input_terminated": True}
    response = app.test_client().post("/webhooks/github", input_stream=io.BytesIO(body),
                                      headers={**sent, "Transfer-Encoding": "chunked"}, environ_overrides=environ)
    assert response.status_code == 413
    assert_nothing_stored(webhook_store)


def test_body_at_the_cap_is_accepted(webhook_settings, webhook_store):
    payload = example("pull_request", "opened", index=1)
    body = json.dumps(payload).encode()
    app = create_app(webhook_settings.replace(max_webhook_bytes=len(body)), webhook_store,
                     model_status=lambda: {"known": True})
    response = app.test_client().post("/webhooks/github", data=body, headers=headers("pull_request", body))
    assert response.status_code == 202


@pytest.mark.parametrize("event,action", [("pull_request", "opened"), ("check_suite", "rerequested"),
                                          ("installation", "created"), ("installation_repositories", "added")])
def test_handled_event_without_installation_is_400(webhook_client, webhook_store, event, action):
    payload = example(event, action, installation=False)
    payload.pop("installation", None)
    body = json.dumps(payload).encode()
    response = webhook_client.post("/webhooks/github", data=body,
                                   headers=headers(event, body, delivery_id=DELIVERY))
    assert response.status_code == 400
    assert "missing installation" in response.json["error"]
    assert_nothing_stored(webhook_store)


@pytest.mark.parametrize("mangle", [
    lambda p: p["pull_request"].pop("head"),
    lambda p: p["pull_request"].update(number="two"),
    lambda p: p["pull_request"]["base"]["repo"].update(full_name=None),
    lambda p: p.update(pull_request=[]),
    lambda p: p["installation"].update(id="957387"),
])
def test_pull_request_missing_what_the_store_needs_is_400(webhook_client, webhook_store, mangle):
    payload = example("pull_request", "opened", index=1)
    mangle(payload)
    body = json.dumps(payload).encode()
    response = webhook_client.post("/webhooks/github", data=body, headers=headers("pull_request", body,
                                                                                  delivery_id=DELIVERY))
    assert response.status_code == 400
    assert_nothing_stored(webhook_store)


def test_no_secret_configured_refuses_every_delivery(settings, webhook_store):
    app = create_app(settings, webhook_store, model_status=lambda: {"known": True})
    body = opened_body()
    response = app.test_client().post("/webhooks/github", data=body, headers=headers("pull_request", body))
    assert response.status_code == 503
    assert "GITHUB_WEBHOOK_SECRET" in response.json["error"]
    assert webhook_store.jobs.list() == []


def test_store_outage_is_503_so_github_shows_the_failure(webhook_settings, tmp_path):
    app = create_app(webhook_settings, UnreachableStore(tmp_path / "down.sqlite3"),
                     model_status=lambda: {"known": True})
    body = opened_body()
    response = app.test_client().post("/webhooks/github", data=body, headers=headers("pull_request", body))
    assert response.status_code == 503
    assert "redeliver" in response.json["error"]
