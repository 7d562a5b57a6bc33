"""What the base exposes: the Ingress, TLS, Services and ports, the network policies, the Argo CD project;
each cross-reference check passes the real files and is shown to fail on a broken copy."""
from __future__ import annotations

import copy

import pytest

from tests.deploy import exposure_checks


def _one(docs, kind, name=None):
    return next(d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name))


@pytest.fixture
def project(argo_apps):
    return _one(argo_apps, "AppProject")


def test_service_ports_end_on_declared_container_ports(rendered):
    assert exposure_checks.service_port_problems(rendered) == []


def test_service_port_check_finds_a_missing_container_port(rendered):
    docs = copy.deepcopy(rendered)
    _one(docs, "Service", "prguard-worker-metrics")["spec"]["ports"][0]["targetPort"] = "metricz"
    _one(docs, "Service", "prguard-service-metrics")["spec"]["selector"] = {"app.kubernetes.io/name": "nobody"}
    text = "\n".join(exposure_checks.service_port_problems(docs))
    assert "prguard-worker-metrics: port metrics targets 'metricz'" in text
    assert "prguard-service-metrics: selects no pods" in text


def test_the_ingress_routes_only_the_webhook_to_the_active_service_over_tls(rendered):
    assert exposure_checks.ingress_problems(rendered) == []
    ingress = _one(rendered, "Ingress")
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == "25m"
    service = _one(rendered, "Service", "prguard-service-active")
    assert [p["name"] for p in service["spec"]["ports"]] == ["http"]


def test_probes_and_metrics_use_the_metrics_port(rendered):
    rollout = _one(rendered, "Rollout")["spec"]["template"]["spec"]["containers"][0]
    assert {"--metrics-bind", "0.0.0.0:9090"} <= set(rollout["args"])
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert rollout[probe]["httpGet"]["port"] == "metrics"
    worker = _one(rendered, "Deployment", "prguard-worker")["spec"]["template"]["spec"]["containers"][0]
    assert worker["args"] == ["worker", "--metrics-bind", "0.0.0.0:9090"]
    assert worker["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}


@pytest.mark.parametrize("breakage, expected", [
    (lambda docs: _one(docs, "Ingress")["spec"]["rules"][0]["http"]["paths"][0].update(pathType="Prefix"),
     "only Exact /webhooks/github may be routed"),
    (lambda docs: _one(docs, "Ingress")["spec"]["rules"][0]["http"]["paths"][0].update(path="/"),
     "routes Exact '/'"),
    (lambda docs: _one(docs, "Ingress")["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"].update(
        name="prguard-service-preview"), "is not the Rollout's active Service"),
    (lambda docs: _one(docs, "Ingress")["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"].update(
        port={"name": "https"}), "has no port"),
    (lambda docs: _one(docs, "Service", "prguard-service-active")["spec"]["ports"].append(
        {"name": "metrics", "port": 9090, "targetPort": "metrics"}), "behind an Ingress and exposes the metrics port"),
    (lambda docs: _one(docs, "Service", "prguard-service-active")["spec"]["ports"][0].update(
        targetPort="metrics"), "routes to the pods' metrics port"),
    (lambda docs: _one(docs, "Ingress")["spec"].pop("tls"), "served without TLS"),
    (lambda docs: _one(docs, "Certificate").update(spec={**_one(docs, "Certificate")["spec"], "dnsNames": ["x.org"]}),
     "does not cover"),
    (lambda docs: _one(docs, "Certificate")["spec"].update(secretName="other"), "issued by no Certificate"),
    (lambda docs: _one(docs, "Certificate")["spec"]["issuerRef"].update(name="gone"), "Issuer 'gone' does not exist"),
    (lambda docs: _one(docs, "Service", "prguard-service-preview")["spec"].update(type="LoadBalancer"),
     "reachable from outside the cluster"),
    (lambda docs: docs.remove(_one(docs, "Ingress")), "no Ingress"),
])
def test_the_ingress_check_finds_each_breakage(rendered, breakage, expected):
    docs = copy.deepcopy(rendered)
    breakage(docs)
    assert expected in "\n".join(exposure_checks.ingress_problems(docs))


def test_every_rendered_kind_is_allowed_by_the_argo_cd_project(rendered, project):
    assert exposure_checks.project_problems(rendered, project) == []
    narrowed = copy.deepcopy(project)
    narrowed["spec"]["namespaceResourceWhitelist"] = [
        e for e in narrowed["spec"]["namespaceResourceWhitelist"] if e["kind"] != "Ingress"]
    assert exposure_checks.project_problems(rendered, narrowed) == [
        "AppProject/prguard: networking.k8s.io Ingress is not whitelisted"]


def test_network_policies_admit_only_the_controller_to_webhooks_and_prometheus_to_metrics(rendered):
    policies = {d["metadata"]["name"]: d["spec"] for d in rendered if d["kind"] == "NetworkPolicy"}
    webhook = policies["prguard-service-webhook"]["ingress"]
    assert [p["port"] for rule in webhook for p in rule["ports"]] == ["http"]
    sources = [s for rule in webhook for s in rule["from"]]
    namespaces = [s.get("namespaceSelector", {}).get("matchLabels") for s in sources]
    assert {"kubernetes.io/metadata.name": "ingress-nginx"} in namespaces
    assert all("namespaceSelector" in s or s["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": "prguard-loadtest"} for s in sources)
    metrics = policies["prguard-metrics"]["ingress"]
    assert [p["port"] for rule in metrics for p in rule["ports"]] == ["metrics"]
    assert [s["namespaceSelector"]["matchLabels"] for rule in metrics for s in rule["from"]] == [
        {"kubernetes.io/metadata.name": "monitoring"}]
    assert policies["prguard-default-deny-ingress"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
