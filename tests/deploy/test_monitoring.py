"""ServiceMonitors, alerts and the dashboard: each check passes the real files and fails on a broken
copy, and every metric the alerts and panels use is in a live scrape of `prguard serve` and
`prguard worker` (both with --metrics-bind, as in the cluster)."""
from __future__ import annotations

import copy
import json

import pytest
import requests

from prguard.demo.replay import Delivery, post_delivery
from tests.deploy import checks, monitoring_checks
from tests.support.service import free_port, running_service, running_worker
from tests.support.webhooks import example

SECRET = "monitoring-secret"
README = (checks.ROOT / "README.md").read_text()


def _one(docs, kind, name=None):
    return next(d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name))


@pytest.fixture(scope="module")
def parsed(rendered, validators):
    return monitoring_checks.parse_promql(monitoring_checks.expressions(rendered), validators)


@pytest.fixture(scope="module")
def live_scrapes(tmp_path_factory):
    """The /metrics texts of a webhook service that answered deliveries and of an idle worker.

    The worker declares every metric it reports (an exposition lists a labelled metric before its first
    sample); making it score a PR would cost the test half a minute of MLflow start-up for no new name."""
    data_dir = tmp_path_factory.mktemp("monitoring") / "var"
    data_dir.mkdir()
    service_metrics, worker_metrics = free_port(), free_port()
    # The worker first: its metrics port answers at once, and it loads its imports while the service starts.
    with running_worker(data_dir, worker_metrics), \
            running_service(data_dir, SECRET, workers=1, metrics_port=service_metrics) as (base_url, _):
        session = requests.Session()
        for delivery in (Delivery("ping", {"zen": "Observe."}), Delivery("star", example("star"))):
            result = post_delivery(session, f"{base_url}/webhooks/github", delivery, SECRET)
            assert result.status in (200, 202), result.body
        session.close()  # an idle keep-alive connection would hold gunicorn's graceful stop for 20 s
        yield (requests.get(f"http://127.0.0.1:{service_metrics}/metrics", timeout=10).text,
               requests.get(f"http://127.0.0.1:{worker_metrics}/metrics", timeout=10).text)


def test_service_monitors_select_the_metrics_services_and_their_port(rendered):
    assert monitoring_checks.service_monitor_problems(rendered) == []
    selected = {m["metadata"]["name"]: m["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
                for m in rendered if m["kind"] == "ServiceMonitor"}
    assert selected == {"prguard-service": "prguard-service", "prguard-worker": "prguard-worker"}


def test_service_monitor_check_finds_a_wrong_selector_and_port(rendered):
    docs = copy.deepcopy(rendered)
    _one(docs, "ServiceMonitor", "prguard-service")["spec"]["endpoints"][0]["port"] = "http"
    _one(docs, "ServiceMonitor", "prguard-worker")["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] = "x"
    text = "\n".join(monitoring_checks.service_monitor_problems(docs))
    assert "Service prguard-service-metrics has no port named 'http'" in text
    assert "ServiceMonitor/prguard-worker: selects no Service" in text


def test_monitoring_kinds_validate_and_a_broken_one_does_not(rendered, validators):
    monitoring = [d for d in rendered if d["kind"] in ("ServiceMonitor", "PrometheusRule")]
    assert len(monitoring) == 3 and checks.custom_kind_problems(monitoring, validators) == []
    rule = copy.deepcopy(_one(rendered, "PrometheusRule"))
    rule["spec"]["groups"][0]["rules"][0]["for"] = 5
    monitor = copy.deepcopy(_one(rendered, "ServiceMonitor"))
    monitor["spec"]["endpoints"] = {"port": "metrics"}
    problems = checks.custom_kind_problems([rule, monitor], validators)
    assert any(p.startswith("PrometheusRule/") and "for" in p for p in problems)
    assert any(p.startswith("ServiceMonitor/") and "endpoints must be array" in p for p in problems)


def test_the_alerts_cover_what_operators_page_on(rendered):
    alerts = {rule["alert"]: rule["expr"] for rule in monitoring_checks.alert_rules(rendered)}
    for name, metric in {"PRGuardJobsWaiting": "prguard_oldest_pending_job_age_seconds",
                         "PRGuardJobsDeadLettered": 'outcome="dead"',
                         "PRGuardWebhookErrors": 'status=~"5.."', "PRGuardWebhookUnavailable": 'status="503"',
                         "PRGuardGitHubErrors": "prguard_github_api_calls_total",
                         "PRGuardGitHubSecondaryLimit": 'limit="secondary"',
                         "PRGuardNoChampion": "prguard_model_version",
                         "PRGuardChampionStale": "prguard_champion_registered_timestamp_seconds",
                         "PRGuardCronJobFailed": "kube_job_status_failed"}.items():
        assert metric in alerts[name], name


def test_every_alert_has_a_runbook_in_the_readme(rendered):
    assert monitoring_checks.runbook_problems(rendered, README) == []
    docs = copy.deepcopy(rendered)
    rule = _one(docs, "PrometheusRule")["spec"]["groups"][0]["rules"][0]
    rule["annotations"]["runbook_url"] = "https://example.org/README.md#nowhere"
    del rule["labels"]["severity"]
    text = "\n".join(monitoring_checks.runbook_problems(docs, README))
    assert "#nowhere, which does not exist" in text and "no severity label" in text


def test_the_dashboard_is_a_grafana_sidecar_configmap_with_the_panels_operators_need(rendered):
    dashboard, = monitoring_checks.dashboards(rendered).values()
    titles = " | ".join(p["title"] for p in dashboard["panels"])
    for wanted in ("Deliveries by outcome", "Queue depth", "Oldest pending job", "Job latency",
                   "GitHub API calls by status", "PRs flagged per repository", "Model version"):
        assert wanted in titles
    assert 'sum by (repository)' in json.dumps(dashboard)


def test_every_expression_parses_as_promql(parsed):
    assert len(parsed) > 20 and monitoring_checks.promql_problems(parsed) == []


def test_the_promql_check_rejects_a_broken_expression(validators):
    broken = monitoring_checks.parse_promql([{"where": "x", "expr": "sum(rate(prguard_jobs[5m]) > "}], validators)
    assert monitoring_checks.promql_problems(broken)


def test_every_metric_in_alerts_and_dashboard_is_in_a_live_scrape(parsed, live_scrapes):
    service_text, worker_text = live_scrapes
    exposed = monitoring_checks.exposed_metrics(service_text, worker_text)
    # The scrape is real: the deliveries were counted, the queue read from the store, the worker's
    # job and GitHub metrics declared.
    assert exposed["prguard_webhook_deliveries_total"] >= {"event", "outcome"}
    assert exposed["prguard_jobs"] == {"state"}
    assert "prguard_job_duration_seconds_count" in exposed and "prguard_github_rate_limited_total" in exposed
    assert monitoring_checks.metric_name_problems(parsed, exposed) == []


def test_the_metric_check_finds_a_misspelt_metric_and_label(parsed, live_scrapes):
    exposed = monitoring_checks.exposed_metrics(*live_scrapes)
    broken = copy.deepcopy(parsed)
    broken.append({"where": "alert Typo", "errors": [], "selectors": [
        {"metric": "prguard_oldest_pending_jobs_age_seconds", "labels": []},
        {"metric": "prguard_webhook_deliveries_total", "labels": ["outcomes"]}]})
    text = "\n".join(monitoring_checks.metric_name_problems(broken, exposed))
    assert "prguard_oldest_pending_jobs_age_seconds is not exposed" in text
    assert "prguard_webhook_deliveries_total has no label outcomes" in text
