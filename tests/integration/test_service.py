"""The real service: `prguard serve` (gunicorn, two workers) fed by `prguard replay`."""
from __future__ import annotations

import json
import subprocess

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from prguard.demo.replay import Delivery, post_delivery
from prguard.store.sqlite import SQLiteStore
from tests.support.service import PRGUARD, running_service, wait_for
from tests.support.webhooks import example

pytestmark = pytest.mark.slow

SECRET = "integration-secret"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("service") / "var"
    data_dir.mkdir()
    with running_service(data_dir, SECRET, workers=2) as (base_url, process):
        yield base_url, data_dir, process
    assert process.returncode == 0, process.log


def deliveries_total(base_url: str, **labels) -> float:
    text = requests.get(f"{base_url}/metrics", timeout=5).text
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == "prguard_webhook_deliveries_total"
               and all(sample.labels.get(k) == v for k, v in labels.items()))


def write_payloads(directory, payloads):
    directory.mkdir()
    for index, (event, payload) in enumerate(payloads):
        (directory / f"{index:02d}-{event}.json").write_text(json.dumps({"event": event, "payload": payload}))
    return directory


def replay_cli(*args):
    return subprocess.run([PRGUARD, "replay", *args], capture_output=True, text=True, timeout=60)


def test_replay_of_a_directory_is_accepted_and_queued(service, tmp_path):
    base_url, data_dir, _ = service
    opened = example("pull_request", "opened", index=1)
    opened["pull_request"]["base"]["repo"]["full_name"] = "replay/dir"
    payloads = [("ping", example("ping", installation=False)), ("pull_request", opened), ("star", example("star"))]
    directory = write_payloads(tmp_path / "payloads", payloads)
    result = replay_cli(str(directory), "--url", f"{base_url}/webhooks/github", "--secret", SECRET)
    assert result.returncode == 0, result.stderr
    statuses = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert statuses == ["200", "202", "202"]
    store = SQLiteStore(data_dir / "prguard.sqlite3")
    jobs = [j for j in store.jobs.list("pending") if j["payload"]["repo"] == "replay/dir"]
    assert [(j["payload"]["number"], j["payload"]["head_sha"]) for j in jobs] == [
        (opened["number"], opened["pull_request"]["head"]["sha"])]
    store.close()


def test_signed_webhook_gets_202_well_under_a_second(service):
    base_url, _, _ = service
    session = requests.Session()
    timings = []
    for number in range(1, 21):
        payload = example("pull_request", "synchronize")
        payload["pull_request"].update(number=number)
        payload["number"] = number
        payload["pull_request"]["base"]["repo"]["full_name"] = "speed/test"
        result = post_delivery(session, f"{base_url}/webhooks/github", Delivery("pull_request", payload), SECRET)
        assert result.status == 202, result.body
        timings.append(result.elapsed_ms)
    timings.sort()
    assert timings[len(timings) // 2] < 250, timings  # median
    assert timings[-1] < 1000, timings


def test_redelivery_with_a_fixed_id_is_acknowledged_not_processed(service, tmp_path):
    base_url, data_dir, _ = service
    payload = example("pull_request", "reopened")
    payload["pull_request"]["base"]["repo"]["full_name"] = "replay/redelivery"
    path = tmp_path / "reopened.json"
    path.write_text(json.dumps(payload))  # a plain payload: the event comes from --event
    args = [str(path), "--url", f"{base_url}/webhooks/github", "--secret", SECRET, "--event", "pull_request",
            "--delivery-id", "fixed-delivery-1"]
    first, second = replay_cli(*args), replay_cli(*args)
    assert first.stdout.startswith("202\t") and second.stdout.startswith("200\t"), (first.stdout, second.stdout)
    assert '"duplicate"' in second.stdout
    store = SQLiteStore(data_dir / "prguard.sqlite3")
    assert len([j for j in store.jobs.list() if j["payload"]["repo"] == "replay/redelivery"]) == 1
    store.close()


def test_replay_with_the_wrong_secret_fails_with_401(service, tmp_path):
    base_url, _, _ = service
    path = tmp_path / "ping.json"
    path.write_text(json.dumps({"event": "ping", "payload": {"zen": "Keep it logically awesome."}}))
    result = replay_cli(str(path), "--url", f"{base_url}/webhooks/github", "--secret", "not-the-secret")
    assert result.returncode == 1
    assert result.stdout.startswith("401\t")


def test_plain_payload_without_event_is_a_usage_error(service, tmp_path):
    base_url, _, _ = service
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(example("ping", installation=False)))
    result = replay_cli(str(path), "--url", f"{base_url}/webhooks/github", "--secret", SECRET)
    assert result.returncode != 0 and "--event" in result.stderr


def test_metrics_add_up_across_gunicorn_workers(service):
    base_url, _, _ = service
    before = deliveries_total(base_url, event="ping", outcome="pong")
    session = requests.Session()
    for _ in range(12):  # enough requests that both workers answer some
        result = post_delivery(session, f"{base_url}/webhooks/github", Delivery("ping", {"zen": "z"}), SECRET)
        assert result.status == 200
        session.close()  # a new connection each time, so deliveries spread over the workers
    assert deliveries_total(base_url, event="ping", outcome="pong") - before == 12
    text = requests.get(f"{base_url}/metrics", timeout=5).text
    assert "prguard_jobs{state=\"pending\"}" in text


def test_readyz_turns_ready_once_the_registry_answered(service):
    base_url, _, _ = service
    ready = wait_for(f"{base_url}/readyz", 200, timeout=90).json()
    assert ready["checks"]["store"] == "ok"
    assert ready["checks"]["model"]["known"] is True
