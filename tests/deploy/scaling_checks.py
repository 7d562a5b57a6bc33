"""Cross-references of scaling: the KEDA ScaledObject -> the worker Deployment (and its PDB); the
Kubernetes-mode Spark driver -> its RBAC, executor pod template, image, settings and network policies."""
from __future__ import annotations

import yaml


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


def _spark_defaults(text: str) -> dict[str, str]:
    pairs = (line.split(None, 1) for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {key: value.strip() for key, value in pairs}


def _allows(rules: list[dict], resource: str, verbs: set[str]) -> bool:
    return any(resource in rule.get("resources", []) and verbs <= set(rule.get("verbs", [])) for rule in rules
               if "" in rule.get("apiGroups", []))


def _admits(policies: list[dict], target: dict, source: dict, port: int) -> bool:
    """Some NetworkPolicy selecting pods labelled ``target`` admits pods labelled ``source`` on ``port``."""
    for policy in policies:
        if not policy["spec"]["podSelector"].get("matchLabels", {}).items() <= target.items():
            continue
        for rule in policy["spec"].get("ingress", []):
            sources = [peer["podSelector"].get("matchLabels", {}) for peer in rule.get("from", [])
                       if "podSelector" in peer and "namespaceSelector" not in peer]
            if any(labels.items() <= source.items() for labels in sources) and port in [
                    p.get("port") for p in rule.get("ports", [])]:
                return True
    return False


def spark_cluster_problems(docs: list[dict]) -> list[str]:
    """A preprocess CronJob with ``--master k8s://`` can start, reach and be reached by its executors:
    its ServiceAccount may manage pods and ConfigMaps, the executors run its image as an unprivileged
    ServiceAccount, Spark's settings name this namespace, the mounted pod template and ports the
    NetworkPolicies admit."""
    job = _named(docs, "CronJob").get("prguard-preprocess")
    pod = job["spec"]["jobTemplate"]["spec"]["template"]
    container = pod["spec"]["containers"][0]
    args = container["args"]
    if "k8s://" not in " ".join(args):
        return ["CronJob/prguard-preprocess: not a Kubernetes-mode driver (no --master k8s://)"]
    problems = []
    account = pod["spec"]["serviceAccountName"]
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    if env.get("SPARK_EXECUTOR_IMAGE") != container["image"]:
        problems.append(f"executors would run {env.get('SPARK_EXECUTOR_IMAGE')!r}, the driver runs {container['image']!r}")
    roles = _named(docs, "Role")
    granted = [rule for binding in _named(docs, "RoleBinding").values()
               if {"kind": "ServiceAccount", "name": account} in [
                   {"kind": s["kind"], "name": s["name"]} for s in binding.get("subjects", [])]
               for rule in roles.get(binding["roleRef"]["name"], {}).get("rules", [])]
    for resource in ("pods", "configmaps"):
        if not _allows(granted, resource, {"create", "get", "list", "watch", "delete"}):
            problems.append(f"ServiceAccount {account} may not create, watch and delete {resource}")
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod["spec"].get("volumes", [])}
    conf_volume = volumes.get(mounts.get(env.get("SPARK_CONF_DIR")), {})
    config_map = _named(docs, "ConfigMap").get(conf_volume.get("configMap", {}).get("name"))
    if config_map is None or "spark-defaults.conf" not in config_map.get("data", {}):
        return problems + [f"SPARK_CONF_DIR {env.get('SPARK_CONF_DIR')!r} holds no spark-defaults.conf from a ConfigMap"]
    conf = _spark_defaults(config_map["data"]["spark-defaults.conf"])
    if conf.get("spark.kubernetes.namespace") != job["metadata"].get("namespace"):
        problems.append(f"spark.kubernetes.namespace {conf.get('spark.kubernetes.namespace')!r} is not the "
                        f"CronJob's namespace {job['metadata'].get('namespace')!r}")
    if conf.get("spark.kubernetes.authenticate.driver.serviceAccountName") != account:
        problems.append("spark.kubernetes.authenticate.driver.serviceAccountName is not the CronJob's account")
    template_path = conf.get("spark.kubernetes.executor.podTemplateFile", "")
    directory, _, key = template_path.rpartition("/")
    if directory != env.get("SPARK_CONF_DIR") or key not in config_map["data"]:
        return problems + [f"executor pod template {template_path!r} is not in the mounted ConfigMap"]
    executor = yaml.safe_load(config_map["data"][key])
    executor_account = executor["spec"].get("serviceAccountName")
    if ("ServiceAccount", executor_account) not in {(d["kind"], d["metadata"]["name"]) for d in docs}:
        problems.append(f"executor ServiceAccount {executor_account!r} does not exist")
    if any(s["name"] == executor_account for b in _named(docs, "RoleBinding").values() for s in b.get("subjects", [])):
        problems.append(f"executor ServiceAccount {executor_account} is bound to a Role; executors need no API access")
    policies = list(_named(docs, "NetworkPolicy").values())
    driver_labels, executor_labels = pod["metadata"]["labels"], executor["metadata"]["labels"]
    for setting in ("spark.driver.port", "spark.driver.blockManager.port"):
        if not _admits(policies, driver_labels, executor_labels, int(conf.get(setting, 0))):
            problems.append(f"no NetworkPolicy lets executors reach the driver's {setting} {conf.get(setting)}")
    if not _admits(policies, executor_labels, driver_labels, int(conf.get("spark.blockManager.port", 0))):
        problems.append("no NetworkPolicy lets the driver reach the executors' spark.blockManager.port")
    return problems
