"""Cross-references of scaling: the KEDA ScaledObject -> the worker Deployment (and its PDB)."""
from __future__ import annotations


def _named(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def scaled_object_problems(docs: list[dict]) -> list[str]:
    """Each ScaledObject targets a Deployment of the base that leaves ``replicas`` to it, keeps more pods
    than that Deployment's PodDisruptionBudget must keep (so a node can still be drained), and scales on
    Prometheus queries."""
    problems = []
    deployments = _named(docs, "Deployment")
    budgets = list(_named(docs, "PodDisruptionBudget").values())
    for name, scaled in _named(docs, "ScaledObject").items():
        where = f"ScaledObject/{name}"
        spec = scaled["spec"]
        target = spec["scaleTargetRef"]
        deployment = deployments.get(target["name"])
        if target.get("kind", "Deployment") != "Deployment" or deployment is None:
            problems.append(f"{where}: scales {target.get('kind', 'Deployment')} {target['name']!r}, "
                            "which is not a Deployment here")
            continue
        if "replicas" in deployment["spec"]:
            problems.append(f"{where}: Deployment {target['name']} sets replicas; Argo CD would undo every "
                            "scaling the HPA does")
        low, high = spec.get("minReplicaCount", 0), spec.get("maxReplicaCount", 100)
        if not 0 < low <= high:
            problems.append(f"{where}: replicas {low}..{high} is not a range of at least one pod")
        labels = deployment["spec"]["template"]["metadata"]["labels"].items()
        for budget in budgets:
            keep = budget["spec"].get("minAvailable")
            if budget["spec"]["selector"]["matchLabels"].items() <= labels and isinstance(keep, int) and low <= keep:
                problems.append(f"{where}: minReplicaCount {low} <= PodDisruptionBudget "
                                f"{budget['metadata']['name']} minAvailable {keep}: no pod could ever be evicted")
        if not [t for t in spec.get("triggers", []) if t["type"] == "prometheus" and t["metadata"].get("query")]:
            problems.append(f"{where}: no Prometheus trigger with a query")
    return problems


def trigger_queries(docs: list[dict]) -> list[dict]:
    """The ScaledObjects' Prometheus queries, ``{"where", "expr"}`` (checked with the alert expressions)."""
    return [{"where": f"ScaledObject/{name} trigger {t.get('name', t['type'])}", "expr": t["metadata"]["query"]}
            for name, scaled in _named(docs, "ScaledObject").items() for t in scaled["spec"].get("triggers", [])
            if t["type"] == "prometheus"]
