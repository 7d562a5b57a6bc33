"""Cross-references of what the cluster exposes: Ingress -> active Service -> webhook port, TLS from a
Certificate, metrics ports no route reaches, and every kind allowed by the Argo CD project."""
from __future__ import annotations

WEBHOOK_PATH = "/webhooks/github"
METRICS_PORT_NAME = "metrics"


def _named(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def _pod_templates(docs: list[dict]) -> list[dict]:
    return [d["spec"]["template"] for d in docs if d["kind"] in ("Rollout", "Deployment")]


def _selected_containers(service: dict, docs: list[dict]) -> list[dict]:
    selector = service["spec"].get("selector", {}).items()
    return [c for template in _pod_templates(docs) if selector and selector <= template["metadata"]["labels"].items()
            for c in template["spec"]["containers"]]


def _target_port_name(service: dict, port: dict, docs: list[dict]) -> str | None:
    """The container port name a Service port ends on (by name or number), None when no container has it."""
    target = port.get("targetPort", port["port"])
    for container in _selected_containers(service, docs):
        for container_port in container.get("ports", []):
            if target in (container_port.get("name"), container_port["containerPort"]):
                return container_port.get("name") or str(container_port["containerPort"])
    return None


def service_port_problems(docs: list[dict]) -> list[str]:
    """Every Service selects pods and each of its ports ends on a port those pods' containers declare."""
    problems = []
    for name, service in _named(docs, "Service").items():
        if not _selected_containers(service, docs):
            problems.append(f"Service/{name}: selects no pods of a Rollout or Deployment here")
            continue
        for port in service["spec"]["ports"]:
            if _target_port_name(service, port, docs) is None:
                problems.append(f"Service/{name}: port {port.get('name')} targets {port.get('targetPort')!r}, "
                                "which no selected container declares")
    return problems


def ingress_problems(docs: list[dict]) -> list[str]:
    """The Ingress routes WEBHOOK_PATH alone (pathType Exact) to the Rollout's active Service's webhook
    port, over TLS from a Certificate of this base; no route ends on a metrics port; no Service is
    reachable from outside the cluster but through the Ingress."""
    services = _named(docs, "Service")
    certificates = {c["spec"]["secretName"]: c for c in _named(docs, "Certificate").values()}
    issuers = _named(docs, "Issuer")
    active = {r["spec"]["strategy"]["blueGreen"]["activeService"] for r in _named(docs, "Rollout").values()}
    ingresses = _named(docs, "Ingress")
    problems = [] if ingresses else ["no Ingress: GitHub cannot reach the webhook"]
    for name, ingress in ingresses.items():
        where = f"Ingress/{name}"
        hosts = set()
        for rule in ingress["spec"].get("rules", []):
            hosts.add(rule.get("host"))
            for path in rule.get("http", {}).get("paths", []):
                if (path.get("path"), path.get("pathType")) != (WEBHOOK_PATH, "Exact"):
                    problems.append(f"{where}: routes {path.get('pathType')} {path.get('path')!r}; only Exact "
                                    f"{WEBHOOK_PATH} may be routed")
                backend = path["backend"].get("service", {})
                service = services.get(backend.get("name"))
                if backend.get("name") not in active or service is None:
                    problems.append(f"{where}: backend {backend.get('name')!r} is not the Rollout's active Service")
                    continue
                port = next((p for p in service["spec"]["ports"]
                             if p.get("name") == backend["port"].get("name", object())
                             or p["port"] == backend["port"].get("number")), None)
                if port is None:
                    problems.append(f"{where}: Service {service['metadata']['name']} has no port {backend['port']}")
                elif _target_port_name(service, port, docs) == METRICS_PORT_NAME:
                    problems.append(f"{where}: routes to the pods' metrics port")
        tls_hosts = {h for entry in ingress["spec"].get("tls", []) for h in entry.get("hosts", [])}
        if hosts - tls_hosts:
            problems.append(f"{where}: hosts {sorted(map(str, hosts - tls_hosts))} are served without TLS")
        for entry in ingress["spec"].get("tls", []):
            certificate = certificates.get(entry.get("secretName"))
            if certificate is None:
                problems.append(f"{where}: TLS secret {entry.get('secretName')!r} is issued by no Certificate here")
                continue
            missing = set(entry.get("hosts", [])) - set(certificate["spec"].get("dnsNames", []))
            if missing:
                problems.append(f"{where}: Certificate {certificate['metadata']['name']} does not cover {sorted(missing)}")
            issuer = certificate["spec"]["issuerRef"]
            if issuer.get("kind", "Issuer") == "Issuer" and issuer["name"] not in issuers:
                problems.append(f"Certificate/{certificate['metadata']['name']}: Issuer {issuer['name']!r} does not exist")
    routed = {p["backend"]["service"]["name"] for i in ingresses.values() for r in i["spec"].get("rules", [])
              for p in r.get("http", {}).get("paths", []) if "service" in p["backend"]}
    for name, service in services.items():
        if service["spec"].get("type", "ClusterIP") != "ClusterIP":
            problems.append(f"Service/{name}: type {service['spec']['type']} is reachable from outside the cluster")
        if name in routed and any(_target_port_name(service, p, docs) == METRICS_PORT_NAME
                                  for p in service["spec"]["ports"]):
            problems.append(f"Service/{name}: behind an Ingress and exposes the metrics port")
    return problems


def project_problems(docs: list[dict], project: dict) -> list[str]:
    """Every kind the base renders is on the AppProject's whitelist (else Argo CD refuses to sync it)."""
    allowed = {(entry["group"], entry["kind"]) for entry in project["spec"].get("namespaceResourceWhitelist", [])}
    kinds = {(d["apiVersion"].rpartition("/")[0], d["kind"]) for d in docs}
    return [f"AppProject/{project['metadata']['name']}: {group or 'core'} {kind} is not whitelisted"
            for group, kind in sorted(kinds - allowed)]
