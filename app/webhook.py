"""POST /webhooks/github: size cap, signature check over the raw body, header and JSON validation, dispatch.

Status codes (also in the README):
  200 ping, or a delivery id already processed (outcome "duplicate": nothing is done again)
  202 accepted (stored, jobs queued) or ignored (event/action PRGuard does not use, inactive installation)
  409 a delivery id whose first attempt has not completed yet (outcome "in_progress"); if that attempt
      failed (it answered 503), a redelivery PRGUARD_DELIVERY_RECLAIM_SECONDS (60 s) after it is processed
  400 missing X-GitHub-Event / X-GitHub-Delivery, a body that is not strict JSON (prguard.validation.loads),
      a payload without installation.id or without the fields the event needs, or with one outside
      GitHub's rules (SHA, id, repository name, time); nothing is claimed or stored
  401 X-Hub-Signature-256 missing or not matching GITHUB_WEBHOOK_SECRET
  413 body larger than PRGUARD_MAX_WEBHOOK_BYTES (GitHub's cap, 25 MB)
  415 any content type but application/json: form-encoded deliveries (payload=...) are rejected;
      set the App's webhook content type to application/json
  503 the store is unreachable (GitHub marks the delivery failed; redeliver it later) or no secret is set
"""
from __future__ import annotations

import logging
import re
import time

from flask import Blueprint, current_app, jsonify, request

from app import metrics
from app.handlers import BadDelivery, Delivery, dispatch
from prguard import validation
from prguard.github import signature

log = logging.getLogger(__name__)

bp = Blueprint("webhook", __name__)

WEBHOOK_PATH = "/webhooks/github"
# GitHub event names are lower-case words; delivery ids are GUIDs. Bounded so labels and logs stay sane.
_EVENT = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_DELIVERY = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_READ_CHUNK = 64 * 1024


class Rejected(Exception):
    """A delivery answered with a 4xx/5xx before any handler ran."""

    def __init__(self, status: int, outcome: str, message: str):
        super().__init__(message)
        self.status, self.outcome, self.message = status, outcome, message


def read_signed_body(limit: int, signature_check: signature.BodySignature) -> bytearray:
    """The raw body, fed to ``signature_check`` chunk by chunk as it arrives and kept in one buffer;
    refuses (413) anything above ``limit`` without reading more than limit + 1 bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise Rejected(413, "too_large", f"payload is {request.content_length} bytes; the limit is {limit}")
    body = bytearray()
    while len(body) <= limit:
        chunk = request.stream.read(min(_READ_CHUNK, limit + 1 - len(body)))
        if not chunk:
            break
        signature_check.update(chunk)
        body += chunk
    if len(body) > limit:
        raise Rejected(413, "too_large", f"payload exceeds the limit of {limit} bytes")
    return body


def _verified_delivery(settings) -> tuple[Delivery, dict]:
    secret = settings.github_webhook_secret
    if not secret:
        raise Rejected(503, "unconfigured",
                       "GITHUB_WEBHOOK_SECRET is not set; set it to the App's webhook secret")
    signature_check = signature.BodySignature(secret)
    body = read_signed_body(settings.max_webhook_bytes, signature_check)
    if not signature_check.matches(request.headers.get(signature.HEADER)):
        raise Rejected(401, "unauthorized",
                       "X-Hub-Signature-256 is missing or does not match the body; "
                       "check that GITHUB_WEBHOOK_SECRET equals the App's webhook secret")
    event = request.headers.get("X-GitHub-Event", "")
    delivery_id = request.headers.get("X-GitHub-Delivery", "")
    if not _EVENT.match(event):
        raise Rejected(400, "bad_request", "missing or malformed X-GitHub-Event header")
    if not _DELIVERY.match(delivery_id):
        raise Rejected(400, "bad_request", "missing or malformed X-GitHub-Delivery header")
    if request.mimetype != "application/json":
        raise Rejected(415, "unsupported_media_type",
                       f"content type {request.mimetype or 'none'!r} is not accepted; "
                       "set the webhook content type to application/json")
    try:
        payload = validation.loads(body)
    except validation.InvalidJSON as exc:
        raise Rejected(400, "bad_request", f"body is not JSON PRGuard accepts: {exc}") from None
    if not isinstance(payload, dict):
        raise Rejected(400, "bad_request", "body must be a JSON object")
    action = payload.get("action")
    return Delivery(delivery_id, event, action if isinstance(action, str) else None,
                    settings.delivery_reclaim_seconds), payload


def _answer(status: int, started: float, **body):
    metrics.observe_webhook(status, time.perf_counter() - started)
    return jsonify(body), status


@bp.post(WEBHOOK_PATH)
def receive_github_webhook():
    started = time.perf_counter()
    services = current_app.extensions["prguard"]
    try:
        delivery, payload = _verified_delivery(services.settings)
    except Rejected as rejected:
        # The event header is unverified here: keep it out of metric labels (unbounded cardinality).
        metrics.count_delivery("", None, rejected.outcome)
        log.warning("webhook rejected (%s): %s", rejected.status, rejected.message,
                    extra={"delivery_id": request.headers.get("X-GitHub-Delivery", "")[:128] or None,
                           "status": rejected.status})
        return _answer(rejected.status, started, outcome=rejected.outcome, error=rejected.message)

    extra = delivery.log_extra()
    try:
        outcome = dispatch(services.store, payload, delivery)
        if outcome.claimed:
            # Only now is the delivery done for good; failing before here leaves a claim that a
            # redelivery can take over once it is older than delivery.reclaim_after.
            services.store.deliveries.complete(delivery.id)
    except BadDelivery as exc:
        metrics.count_delivery(delivery.event, delivery.action, "bad_request")
        log.warning("webhook rejected (400): %s", exc, extra=extra)
        return _answer(400, started, outcome="bad_request", error=str(exc), delivery=delivery.id)
    except Exception:
        metrics.count_delivery(delivery.event, delivery.action, "unavailable")
        log.exception("store unavailable while handling the delivery", extra=extra)
        return _answer(503, started, outcome="unavailable", delivery=delivery.id,
                       error="the store is unavailable; redeliver this delivery from the App's Advanced "
                             "settings once /readyz reports ready and at least "
                             f"{delivery.reclaim_after:g} s after this attempt")

    metrics.count_delivery(delivery.event, delivery.action, outcome.outcome)
    log.info("webhook %s: %s", outcome.outcome, outcome.detail,
             extra={**extra, **outcome.context, "status": outcome.status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2)})
    return _answer(outcome.status, started, outcome=outcome.outcome, detail=outcome.detail,
                   delivery=delivery.id, event=delivery.event, action=delivery.action,
                   jobs=list(outcome.job_ids))
