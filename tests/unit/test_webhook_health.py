"""Health, readiness and metrics endpoints of the webhook service."""
from __future__ import annotations

import time

from prometheus_client.parser import text_string_to_metric_families

from app import metrics
from app.factory import create_app
from app.health import ModelState
from tests.support.webhook_app import UnreachableStore
from tests.support import webhook_app
from tests.support.webhooks import example, post

# Shared fixtures (tests/support/webhook_app.py), made visible to this module.
webhook_settings, webhook_store, webhook_client = (webhook_app.webhook_settings, webhook_app.webhook_store,
                                                   webhook_app.webhook_client)


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_healthz_answers_even_when_the_store_is_down(webhook_settings, tmp_path):
    app = create_app(webhook_settings, UnreachableStore(tmp_path / "x.sqlite3"), model_status=lambda: {})
    response = app.test_client().get("/healthz")
    assert (response.status_code, response.json) == (200, {"status": "ok"})


def test_readyz_is_ready_with_store_secret_and_known_model(webhook_client):
    response = webhook_client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["store"] == "ok"
    assert response.json["checks"]["model"]["version"] == "3"


def test_readyz_reports_each_reason_it_is_not_ready(settings, tmp_path):
    app = create_app(settings, UnreachableStore(tmp_path / "x.sqlite3"),
                     model_status=lambda: {"known": False, "reason": "model registry unreachable: boom"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    reason = response.json["reason"]
    assert "store unreachable" in reason
    assert "GITHUB_WEBHOOK_SECRET" in reason
    assert "model registry unreachable" in reason


def test_model_state_is_unknown_until_the_registry_answers_then_follows_it():
    versions = iter(["1", None])
    state = ModelState(lambda: next(versions), refresh_seconds=3600)
    first = state()
    assert first["known"] is False or first["version"] == "1"  # the background lookup may already be done
    deadline = time.monotonic() + 5
    while not state()["known"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert state() == {"known": True, "version": "1", "reason": None}
    after = state.refresh()
    assert after["known"] and after["version"] is None and "no champion" in after["reason"]
    state.stop()


def test_model_state_reports_an_unreachable_registry():
    def lookup():
        raise ConnectionError("connection refused")

    state = ModelState(lookup, refresh_seconds=3600)
    result = state.refresh()
    assert result["known"] is False and "ConnectionError" in result["reason"]
    state.stop()


def test_metrics_count_deliveries_by_event_action_and_outcome(webhook_client):
    before = scrape(webhook_client)
    payload = example("pull_request", "opened", index=1)
    post(webhook_client, "pull_request", payload, delivery_id="m-1")
    post(webhook_client, "pull_request", payload, delivery_id="m-1")
    post(webhook_client, "star", example("star"))
    webhook_client.post("/webhooks/github", data=b"{}", headers={"X-GitHub-Event": "push"})
    after = scrape(webhook_client)
    name = "prguard_webhook_deliveries_total"
    for labels in ({"event": "pull_request", "action": "opened", "outcome": "accepted"},
                   {"event": "pull_request", "action": "opened", "outcome": "duplicate"},
                   {"event": "other", "action": "created", "outcome": "ignored"},  # not an App event
                   {"event": "", "action": "", "outcome": "unauthorized"}):
        assert value(after, name, **labels) - value(before, name, **labels) == 1, labels
    assert value(after, "prguard_jobs", state="pending") == 1
    assert value(after, "prguard_store_up") == 1
    assert value(after, "prguard_oldest_pending_job_age_seconds") >= 0


def test_metrics_expose_what_the_worker_reports(webhook_client):
    before = scrape(webhook_client)
    metrics.observe_job("score_pull_request", "done", 0.3, queued_seconds=1.2)
    metrics.count_github_call("post", 201)
    metrics.count_github_call("GET", None)
    metrics.set_model_version("prguard-autoencoder", "7")
    metrics.count_scored(True, "neutral", "acme/web")
    metrics.count_scored(False, "success", "acme/web")
    after = scrape(webhook_client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("prguard_job_duration_seconds_count", kind="score_pull_request", outcome="done") == 1
    assert delta("prguard_job_queue_latency_seconds_count", kind="score_pull_request") == 1
    assert delta("prguard_github_api_calls_total", method="POST", status="201") == 1
    assert delta("prguard_github_api_calls_total", method="GET", status="error") == 1
    assert value(after, "prguard_model_version", model="prguard-autoencoder") == 7
    assert delta("prguard_pull_requests_scored_total", verdict="unusual") == 1
    assert delta("prguard_pull_requests_scored_total", verdict="usual") == 1
    assert delta("prguard_pull_requests_flagged_total", repository="acme/web", conclusion="neutral") == 1


def test_metrics_scrape_survives_a_store_outage(webhook_settings, tmp_path):
    app = create_app(webhook_settings, UnreachableStore(tmp_path / "x.sqlite3"), model_status=lambda: {})
    samples = scrape(app.test_client())
    assert value(samples, "prguard_store_up") == 0
