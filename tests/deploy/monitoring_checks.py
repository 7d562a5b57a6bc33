"""Cross-references of what operators see: ServiceMonitors -> Services and ports, alert and dashboard
expressions -> PromQL that parses and metric names (and labels) that a live /metrics really exposes,
alerts -> runbooks in the README."""
from __future__ import annotations

import json
import re

from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.checks import ROOT, _run
from tests.deploy.scaling_checks import trigger_queries

# Metrics PRGuard does not export: Prometheus's own `up`, and kube-state-metrics' Job/CronJob series
# (installed with kube-prometheus-stack, k8s/platform/kube-prometheus-stack.values.yaml), with the labels
# the expressions may use.
EXTERNAL_METRICS = {
    "up": {"job", "pod", "namespace", "instance", "service"},
    "kube_job_status_failed": {"job_name", "namespace"},
    "kube_cronjob_status_last_successful_time": {"cronjob", "namespace"},
}
# Labels Prometheus adds to every series it scrapes through a ServiceMonitor.
TARGET_LABELS = {"job", "instance", "namespace", "pod", "service", "endpoint", "container"}
# Grafana's own variables, replaced by Grafana before the query reaches Prometheus.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created"),
            "summary": ("", "_count", "_sum", "_created"), "gauge": ("",), "info": ("_info",),
            "unknown": ("",)}


def _named(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def service_monitor_problems(docs: list[dict]) -> list[str]:
    """Each ServiceMonitor selects at least one Service of the base, and each endpoint's port is a named
    port of every Service it selects."""
    problems = []
    services = _named(docs, "Service")
    monitors = _named(docs, "ServiceMonitor")
    if not monitors:
        problems.append("no ServiceMonitor: Prometheus scrapes nothing")
    for name, monitor in monitors.items():
        wanted = monitor["spec"]["selector"].get("matchLabels", {}).items()
        selected = [s for s in services.values() if wanted <= s["metadata"].get("labels", {}).items()]
        if not selected:
            problems.append(f"ServiceMonitor/{name}: selects no Service (labels {dict(wanted)})")
        for endpoint in monitor["spec"]["endpoints"]:
            for service in selected:
                ports = {p.get("name") for p in service["spec"]["ports"]}
                if endpoint.get("port") not in ports:
                    problems.append(f"ServiceMonitor/{name}: Service {service['metadata']['name']} has no port "
                                    f"named {endpoint.get('port')!r}")
    return problems


def alert_rules(docs: list[dict]) -> list[dict]:
    return [rule for rules in _named(docs, "PrometheusRule").values() for group in rules["spec"]["groups"]
            for rule in group["rules"] if "alert" in rule]


def dashboards(docs: list[dict]) -> dict[str, dict]:
    """The dashboards shipped as ConfigMaps for Grafana's sidecar: ``file name -> dashboard``."""
    return {f"{name}/{key}": json.loads(text) for name, cm in _named(docs, "ConfigMap").items()
            if cm["metadata"].get("labels", {}).get("grafana_dashboard") == "1"
            for key, text in cm.get("data", {}).items()}


def expressions(docs: list[dict]) -> list[dict]:
    """Every PromQL expression of the alerts, the dashboards and the autoscaler, ``{"where", "expr"}``."""
    found = [{"where": f"alert {rule['alert']}", "expr": rule["expr"]} for rule in alert_rules(docs)]
    found += trigger_queries(docs)
    for name, dashboard in dashboards(docs).items():
        for panel in dashboard.get("panels", []):
            for target in panel.get("targets", []):
                expr = target["expr"]
                for variable, value in GRAFANA_VARIABLES.items():
                    expr = expr.replace(variable, value)
                found.append({"where": f"dashboard {name} panel {panel['title']!r}", "expr": expr})
    return found


def parse_promql(found: list[dict], node_modules) -> list[dict]:
    """``[{"where", "errors", "selectors": [{"metric", "labels"}]}]`` from Prometheus's PromQL grammar."""
    out = _run(["node", ROOT / "tests" / "deploy" / "validate.mjs", "promql", node_modules], input=json.dumps(found))
    if out.returncode:
        raise RuntimeError(f"validate.mjs promql failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


def promql_problems(parsed: list[dict]) -> list[str]:
    return [f"{entry['where']}: {error}" for entry in parsed for error in entry["errors"]] + [
        f"{entry['where']}: a selector without a metric name" for entry in parsed
        for selector in entry["selectors"] if not selector["metric"]]


def exposed_metrics(*scrapes: str) -> dict[str, set[str] | None]:
    """Sample names a /metrics text exposes -> their label names (None: declared, no sample yet)."""
    exposed: dict[str, set[str] | None] = {}
    for text in scrapes:
        for family in text_string_to_metric_families(text):
            for suffix in SUFFIXES.get(family.type, ("",)):
                exposed.setdefault(family.name + suffix, None)
            for sample in family.samples:
                labels = exposed.get(sample.name) or set()
                exposed[sample.name] = labels | set(sample.labels)
    return exposed


def metric_name_problems(parsed: list[dict], exposed: dict[str, set[str] | None]) -> list[str]:
    """Metric names (and label names, where the scrape has samples) the expressions use but nothing exposes."""
    known = {**exposed, **EXTERNAL_METRICS}
    problems = []
    for entry in parsed:
        for selector in entry["selectors"]:
            metric = selector["metric"]
            if metric is None:
                continue
            if metric not in known:
                problems.append(f"{entry['where']}: metric {metric} is not exposed")
                continue
            labels = known[metric]
            unknown = set(selector["labels"]) - TARGET_LABELS - (labels or set())
            if labels is not None and unknown:
                problems.append(f"{entry['where']}: {metric} has no label {', '.join(sorted(unknown))}")
    return problems


def _anchor(heading: str) -> str:
    """GitHub's anchor of a README heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def runbook_problems(docs: list[dict], readme: str) -> list[str]:
    """Every alert has a severity, a summary, runbook text and a runbook_url naming a README section."""
    anchors = {_anchor(line.lstrip("#")) for line in readme.splitlines() if line.startswith("#")}
    problems = []
    for rule in alert_rules(docs):
        where = f"alert {rule['alert']}"
        annotations = rule.get("annotations", {})
        if rule.get("labels", {}).get("severity") not in ("critical", "warning", "info"):
            problems.append(f"{where}: no severity label (critical, warning or info)")
        for key in ("summary", "runbook", "runbook_url"):
            if not annotations.get(key):
                problems.append(f"{where}: no {key} annotation")
        anchor = annotations.get("runbook_url", "").partition("#")[2]
        if anchor and anchor not in anchors:
            problems.append(f"{where}: runbook_url names README section #{anchor}, which does not exist")
    return problems
