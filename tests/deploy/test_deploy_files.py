"""Offline checks of docker/, k8s/, argo-apps/ and .github/: each checker passes the real files and is shown
to fail on a deliberately broken one."""
from __future__ import annotations

import copy
import re

import pytest

from tests.deploy import checks

ROOT = checks.ROOT
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
DOCKERFILES = sorted((ROOT / "docker").glob("*.Dockerfile"))
YAML_FILES = sorted([*ROOT.glob("k8s/**/*.yaml"), *ROOT.glob("argo-apps/*.yaml"), *ROOT.glob(".github/**/*.yml"),
                     ROOT / ".yamllint"])

BROKEN_WORKFLOW = """\
name: broken
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ secret.DEPLOY_TOKEN }}"
      - uses: actions/checkout@v4
        with:
          fetch-depth: 1
    needs: nowhere
"""


@pytest.fixture(scope="module")
def actionlint_results(validators, tmp_path_factory):
    """actionlint run once over the real workflows plus one broken file."""
    broken = tmp_path_factory.mktemp("workflows") / "broken.yml"
    broken.write_text(BROKEN_WORKFLOW)
    problems = checks.actionlint_problems([*WORKFLOWS, broken], validators)
    return [p for p in problems if not p.startswith(str(broken))], [p for p in problems if p.startswith(str(broken))]


def _by_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def test_base_renders_every_component(rendered):
    kinds = {(d["kind"], d["metadata"]["name"]) for d in rendered}
    assert ("Rollout", "prguard-service") in kinds
    assert ("Deployment", "prguard-worker") in kinds
    assert {n for k, n in kinds if k == "CronJob"} == {"prguard-fetch", "prguard-preprocess", "prguard-train"}
    components = ("webhook", "worker", "fetch", "preprocess", "train")
    assert {n for k, n in kinds if k == "ServiceAccount"} >= {f"prguard-{c}" for c in components}
    assert {k for k, _ in kinds} >= {"PodDisruptionBudget", "NetworkPolicy", "ConfigMap", "AnalysisTemplate"}
    assert all(d["metadata"].get("namespace") == "prguard" for d in rendered)


def test_rollout_is_blue_green_with_manual_promotion_after_a_load_test(rendered):
    strategy = _by_kind(rendered, "Rollout")[0]["spec"]["strategy"]["blueGreen"]
    assert strategy["autoPromotionEnabled"] is False
    assert strategy["scaleDownDelaySeconds"] > 30
    assert strategy["prePromotionAnalysis"]["templates"] == [{"templateName": "prguard-loadtest"}]
    job = _by_kind(rendered, "AnalysisTemplate")[0]["spec"]["metrics"][0]["provider"]["job"]["spec"]
    container = job["template"]["spec"]["containers"][0]
    assert container["image"].startswith(checks.REGISTRY + "loadtest")
    assert "--host={{args.preview-host}}" in container["args"]


def test_pipeline_stages_run_in_order_without_overlap(rendered):
    jobs = sorted(_by_kind(rendered, "CronJob"), key=lambda j: tuple(int(x) for x in j["spec"]["schedule"].split()[1::-1]))
    assert [j["metadata"]["name"] for j in jobs] == ["prguard-fetch", "prguard-preprocess", "prguard-train"]
    for current, following in zip(jobs, jobs[1:]):
        minute, hour = (int(x) for x in current["spec"]["schedule"].split()[:2])
        next_minute, next_hour = (int(x) for x in following["spec"]["schedule"].split()[:2])
        gap = (next_hour * 60 + next_minute - hour * 60 - minute) * 60
        spec = current["spec"]
        assert spec["concurrencyPolicy"] == "Forbid"
        assert spec["jobTemplate"]["spec"]["activeDeadlineSeconds"] + spec["startingDeadlineSeconds"] <= gap


def test_every_pod_runs_locked_down(rendered):
    for doc in rendered:
        specs = checks._analysis_pod_specs(doc) if doc["kind"] == "AnalysisTemplate" else [checks._pod_spec(doc)]
        for spec in filter(None, specs):
            assert spec["securityContext"]["runAsNonRoot"] is True, doc["metadata"]["name"]
            assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
            for container in spec["containers"]:
                ctx = container["securityContext"]
                assert ctx["allowPrivilegeEscalation"] is False and ctx["readOnlyRootFilesystem"] is True
                assert ctx["capabilities"]["drop"] == ["ALL"]
                assert container["resources"]["requests"] and container["resources"]["limits"]


def test_builtin_kinds_validate_strictly(rendered):
    assert checks.builtin_kind_problems(rendered) == []


def test_strict_validation_rejects_an_unknown_field(rendered):
    worker = copy.deepcopy(_by_kind(rendered, "Deployment")[0])
    worker["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    assert checks.builtin_kind_problems([worker])


def test_argo_resources_validate(rendered, argo_apps, validators):
    docs = rendered + argo_apps
    assert {d["kind"] for d in argo_apps} == {"AppProject", "Application"}
    assert checks.custom_kind_problems(docs, validators) == []


def test_custom_kind_validator_rejects_broken_documents(rendered, argo_apps, validators):
    rollout = copy.deepcopy(_by_kind(rendered, "Rollout")[0])
    rollout["spec"]["strategy"]["blueGreen"]["autoPromotionEnabled"] = "no"
    application = copy.deepcopy(_by_kind(argo_apps, "Application")[0])
    application["spec"]["syncPolicy"]["automated"]["prune"] = "yes"
    certificate = copy.deepcopy(_by_kind(rendered, "Certificate")[0])
    certificate["spec"]["dnsNames"] = "prguard.example.com"
    issuer = copy.deepcopy(_by_kind(rendered, "Issuer")[0])
    issuer["spec"]["acme"].pop("privateKeySecretRef")
    unknown = {"apiVersion": "example.io/v1", "kind": "Widget", "metadata": {"name": "w"}}
    problems = checks.custom_kind_problems([rollout, application, certificate, issuer, unknown], validators)
    assert any("Rollout/" in p and "autoPromotionEnabled" in p for p in problems)
    assert any("Application/" in p and "prune" in p for p in problems)
    assert any("Certificate/" in p and "dnsNames must be array" in p for p in problems)
    assert any("Issuer/" in p and "privateKeySecretRef" in p for p in problems)
    assert "Widget/w: no validator for example.io/v1 Widget" in problems


def test_applications_follow_their_branch_at_the_same_path(argo_apps):
    apps = {a["metadata"]["name"]: a["spec"] for a in _by_kind(argo_apps, "Application")}
    assert {n: (s["source"]["targetRevision"], s["source"]["path"]) for n, s in apps.items()} == {
        "prguard-staging": ("staging", "k8s"), "prguard-production": ("main", "k8s")}
    assert all(s["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True} for s in apps.values())


def test_cross_references_hold(rendered):
    assert checks.cross_reference_problems(rendered) == []


def test_cross_reference_check_finds_dangling_names(rendered):
    docs = copy.deepcopy(rendered)
    worker = _by_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]
    worker["serviceAccountName"] = "prguard-nobody"
    worker["containers"][0]["image"] = "docker.io/library/python:3.11"
    _by_kind(docs, "Service")[0]["spec"]["selector"] = {"app.kubernetes.io/name": "something-else"}
    _by_kind(docs, "Rollout")[0]["spec"]["strategy"]["blueGreen"]["prePromotionAnalysis"]["templates"] = [
        {"templateName": "missing"}]
    docs = [d for d in docs if d["kind"] != "ConfigMap"]
    text = "\n".join(checks.cross_reference_problems(docs))
    for expected in ("prguard-nobody", "docker.io/library/python", "does not select its pods", "'missing'",
                     "ConfigMap 'prguard-config'"):
        assert expected in text


def test_workflows_match_githubs_schema(tmp_path):
    required = {"data-fetch.yml", "spark-preprocess.yml", "ml-training.yml", "model-serving.yml"}
    assert {p.name for p in WORKFLOWS} >= required
    assert checks.workflow_schema_problems(WORKFLOWS) == []
    broken = tmp_path / "broken.yml"
    broken.write_text("name: broken\non: push\njobs:\n  build:\n    steps: []\n")  # no runs-on
    assert checks.workflow_schema_problems([broken])


def test_workflows_pass_actionlint_and_it_catches_a_broken_one(actionlint_results):
    real, broken = actionlint_results
    assert real == []
    assert any("nowhere" in p for p in broken) and any("\"secret\"" in p for p in broken)


def test_actions_are_pinned_by_commit_sha():
    files = [*WORKFLOWS, *(ROOT / ".github" / "actions").rglob("action.yml")]
    uses = [m for f in files for m in re.findall(r"uses:\s*(\S+)", f.read_text())]
    external = [u for u in uses if not u.startswith("./")]
    assert external and all(re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", u) for u in external), external


def test_dockerfiles_pass_hadolint_and_it_catches_a_violation(tmp_path):
    stages = ("service", "fetch", "spark", "train", "loadtest")
    assert {p.name for p in DOCKERFILES} == {f"{n}.Dockerfile" for n in stages}
    assert checks.hadolint_problems(DOCKERFILES) == []
    broken = tmp_path / "broken.Dockerfile"
    broken.write_text("FROM python:latest\nRUN pip install flask\nCMD python app.py\n")
    text = "\n".join(checks.hadolint_problems([broken]))
    assert "DL3007" in text and "DL3013" in text


def test_images_run_as_non_root_and_the_service_has_a_healthcheck():
    for dockerfile in DOCKERFILES:
        text = dockerfile.read_text()
        assert re.search(r"^USER 10001", text, re.M), dockerfile.name
        assert "torch==2.13.0" in text and "download.pytorch.org/whl/cpu" in text
    assert "HEALTHCHECK" in (ROOT / "docker" / "service.Dockerfile").read_text()


def test_yaml_passes_yamllint_and_it_catches_bad_yaml(tmp_path):
    assert checks.yamllint_problems(YAML_FILES) == []
    broken = tmp_path / "broken.yaml"
    broken.write_text("key: value\nkey: again\nlist:\n- a\n-   b\n")
    text = "\n".join(checks.yamllint_problems([broken]))
    assert "duplication of key" in text
