"""What the service shows to anyone who asks: /metrics labels only from known values, /readyz without
exception messages (an MLflow URI with user:password stays secret)."""
from __future__ import annotations

import json

from prometheus_client.parser import text_string_to_metric_families

from app.factory import create_app
from app.health import ModelState, registry_model_state
from tests.support.webhook_app import UnreachableStore
from tests.support.webhooks import SECRET, example, headers, post

PASSWORD = "hunter2-s3cret"
SECRET_URI = f"http://prguard:{PASSWORD}@127.0.0.1:9/"


def delivery_labels(client) -> set[tuple[str, str]]:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {(sample.labels["event"], sample.labels["action"])
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            if family.name == "prguard_webhook_deliveries"
            for sample in family.samples if sample.name.endswith("_total")}


def test_metrics_labels_come_only_from_known_events_and_actions(webhook_client):
    for n in range(30):
        post(webhook_client, "pull_request", {**example("pull_request", "opened", index=1), "action": f"x-{n}"})
        post(webhook_client, f"made_up_event_{n}", {"action": "opened", "installation": {"id": 1}})
    labels = delivery_labels(webhook_client)
    assert ("pull_request", "other") in labels and ("other", "opened") in labels
    assert not any(event.startswith("made_up") or action.startswith("x-") for event, action in labels)


def test_metrics_keep_working_after_a_lone_surrogate_in_the_action(webhook_client):
    payload = {**example("pull_request", "opened", index=1), "action": "\ud800"}
    assert post(webhook_client, "pull_request", payload).status_code == 400
    assert delivery_labels(webhook_client)  # the exposition still renders (it used to answer 500)
    assert webhook_client.get("/metrics").status_code == 200


def test_readyz_names_the_failing_component_and_type_never_the_message(webhook_settings, tmp_path):
    def lookup():
        raise ConnectionError(f"HTTPConnectionPool(host='127.0.0.1'): {SECRET_URI}api/2.0/mlflow failed")

    state = ModelState(lookup, refresh_seconds=3600)
    state.refresh()
    app = create_app(webhook_settings, UnreachableStore(tmp_path / "down.sqlite3"), model_status=state)
    response = app.test_client().get("/readyz")
    state.stop()
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert PASSWORD not in text and "127.0.0.1" not in text and "prguard:" not in text
    body = json.loads(text)
    assert "model registry unreachable: ConnectionError" in body["reason"]
    assert "store unreachable: OperationalError" in body["reason"]
    assert body["checks"]["store"] == "unreachable"


def test_readyz_with_a_real_registry_behind_a_password_uri_shows_no_password(webhook_settings, monkeypatch):
    # The real lookup (MLflow's client) against a closed port: its error message quotes the URI.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    settings = webhook_settings.replace(mlflow_tracking_uri=SECRET_URI)
    state = registry_model_state(settings)
    result = state.refresh()
    state.stop()
    assert result["known"] is False and PASSWORD not in json.dumps(result)
    assert result["reason"].startswith("model registry unreachable: ")


def test_rejected_delivery_log_and_answer_never_echo_the_secret(webhook_client, caplog):
    body = json.dumps(example("pull_request", "opened", index=1)).encode()
    sent = {**headers("pull_request", body), "X-Hub-Signature-256": "sha256=" + "0" * 64}
    response = webhook_client.post("/webhooks/github", data=body, headers=sent)
    assert response.status_code == 401
    assert SECRET not in response.get_data(as_text=True) and SECRET not in caplog.text
