"""Spark on the cluster (the k8s/spark-cluster component): rendered with the base and pinned like CI pins
it, every object validates, the driver can manage and reach its executors, and a broken copy fails;
the spark image's entrypoint starts Spark's executor backend from the variables a driver sets."""
from __future__ import annotations

import copy
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy import checks, scaling_checks

DIGEST = "sha256:" + "ab" * 32
ENTRYPOINT = checks.ROOT / "docker" / "spark-entrypoint.sh"


def _one(docs, kind, name=None):
    return next(d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name))


@pytest.fixture(scope="module")
def cluster_docs(tmp_path_factory):
    """The base with the spark-cluster component switched on and the spark image pinned by digest."""
    base = tmp_path_factory.mktemp("spark") / "k8s"
    shutil.copytree(checks.ROOT / "k8s", base)
    kustomization = yaml.safe_load((base / "kustomization.yaml").read_text())
    kustomization["components"] = ["spark-cluster"]
    for image in kustomization["images"]:
        if image["name"].endswith("/spark"):
            image.pop("newTag")
            image["digest"] = DIGEST
    (base / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    return checks.render(base)


def test_the_base_keeps_spark_in_local_mode(rendered):
    args = _one(rendered, "CronJob", "prguard-preprocess")["spec"]["jobTemplate"]["spec"]["template"]["spec"][
        "containers"][0]["args"]
    assert args[:3] == ["preprocess", "--master", "local[2]"]
    assert scaling_checks.spark_cluster_problems(rendered) == [
        "CronJob/prguard-preprocess: not a Kubernetes-mode driver (no --master k8s://)"]


def test_the_component_turns_preprocess_into_a_kubernetes_driver(cluster_docs):
    assert scaling_checks.spark_cluster_problems(cluster_docs) == []
    container = _one(cluster_docs, "CronJob", "prguard-preprocess")["spec"]["jobTemplate"]["spec"]["template"][
        "spec"]["containers"][0]
    assert "k8s://https://kubernetes.default.svc" in container["args"]
    assert container["image"].endswith("@" + DIGEST)
    assert {e["name"]: e.get("value") for e in container["env"]}["SPARK_EXECUTOR_IMAGE"] == container["image"]


def test_the_component_validates_strictly(cluster_docs):
    assert checks.builtin_kind_problems(cluster_docs) == []
    assert checks.cross_reference_problems(cluster_docs) == []
    template = yaml.safe_load(_one(cluster_docs, "ConfigMap", "prguard-spark-cluster")["data"]["executor-pod.yaml"])
    template["spec"]["containers"][0]["image"] = "registry.digitalocean.com/prguard/spark"
    assert checks.builtin_kind_problems([template]) == []


def _conf(docs):
    return _one(docs, "ConfigMap", "prguard-spark-cluster")["data"]


@pytest.mark.parametrize("breakage, expected", [
    (lambda docs: _one(docs, "RoleBinding")["subjects"][0].update(name="prguard-train"),
     "may not create, watch and delete pods"),
    (lambda docs: _one(docs, "Role")["rules"].pop(1), "may not create, watch and delete configmaps"),
    (lambda docs: _conf(docs).update({"spark-defaults.conf": _conf(docs)["spark-defaults.conf"].replace(
        "spark.kubernetes.namespace                               prguard", "spark.kubernetes.namespace default")}),
     "is not the CronJob's namespace"),
    (lambda docs: _conf(docs).update({"spark-defaults.conf": _conf(docs)["spark-defaults.conf"].replace(
        "7078", "7077")}), "reach the driver's spark.driver.port 7077"),
    (lambda docs: _conf(docs).update({"spark-defaults.conf": _conf(docs)["spark-defaults.conf"].replace(
        "executor-pod.yaml", "executor.yaml")}), "is not in the mounted ConfigMap"),
    (lambda docs: docs.remove(_one(docs, "ServiceAccount", "prguard-spark-executor")),
     "executor ServiceAccount 'prguard-spark-executor' does not exist"),
    (lambda docs: _one(docs, "RoleBinding")["subjects"].append(
        {"kind": "ServiceAccount", "name": "prguard-spark-executor"}), "executors need no API access"),
    (lambda docs: docs.remove(_one(docs, "NetworkPolicy", "prguard-spark-executors")),
     "the driver reach the executors'"),
    (lambda docs: next(e for e in _one(docs, "CronJob", "prguard-preprocess")["spec"]["jobTemplate"]["spec"][
        "template"]["spec"]["containers"][0]["env"] if e["name"] == "SPARK_EXECUTOR_IMAGE").update(
        value="registry.digitalocean.com/prguard/spark:old"), "executors would run"),
])
def test_the_spark_cluster_check_finds_each_breakage(cluster_docs, breakage, expected):
    docs = copy.deepcopy(cluster_docs)
    breakage(docs)
    assert expected in "\n".join(scaling_checks.spark_cluster_problems(docs))


def _fake_java(tmp_path: Path) -> Path:
    """A JAVA_HOME whose java prints its arguments, one per line."""
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text('#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n')
    java.chmod(0o755)
    return tmp_path / "jdk"


EXECUTOR_ENV = {"SPARK_DRIVER_URL": "spark://CoarseGrainedScheduler@10.0.0.5:7078", "SPARK_EXECUTOR_ID": "3",
                "SPARK_EXECUTOR_CORES": "2", "SPARK_EXECUTOR_MEMORY": "3g", "SPARK_APPLICATION_ID": "spark-app-1",
                "SPARK_EXECUTOR_POD_IP": "10.0.0.9", "SPARK_EXECUTOR_POD_NAME": "prguard-spark-exec-3",
                "SPARK_RESOURCE_PROFILE_ID": "0", "SPARK_HOME": "/opt/venv/lib/python3.11/site-packages/pyspark",
                "SPARK_JAVA_OPT_1": "-Dspark.driver.port=7078", "SPARK_JAVA_OPT_0": "-Dspark.authenticate=true",
                "SPARK_JAVA_OPT_10": "-Dspark.blockManager.port=7079"}


def test_the_entrypoint_starts_sparks_executor_backend_from_the_drivers_variables(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "JAVA_HOME": str(_fake_java(tmp_path)),
           "SPARK_LOCAL_DIRS": f"{tmp_path}/local-a,{tmp_path}/local-b", **EXECUTOR_ENV}
    out = subprocess.run([str(ENTRYPOINT), "executor"], env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "local-a").is_dir() and not (tmp_path / "local-b").exists()
    assert out.stdout.splitlines() == [
        "-Dspark.authenticate=true", "-Dspark.driver.port=7078", "-Dspark.blockManager.port=7079",
        "-Xms3g", "-Xmx3g", "-cp", "/opt/venv/lib/python3.11/site-packages/pyspark/jars/*",
        "org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend",
        "--driver-url", "spark://CoarseGrainedScheduler@10.0.0.5:7078", "--executor-id", "3", "--cores", "2",
        "--app-id", "spark-app-1", "--hostname", "10.0.0.9", "--resourceProfileId", "0",
        "--podName", "prguard-spark-exec-3"]


def test_the_entrypoint_refuses_an_executor_without_a_driver(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "JAVA_HOME": str(_fake_java(tmp_path)),
           **{k: v for k, v in EXECUTOR_ENV.items() if k != "SPARK_DRIVER_URL"}}
    out = subprocess.run([str(ENTRYPOINT), "executor"], env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 64 and "SPARK_DRIVER_URL is not set" in out.stderr


def test_the_entrypoint_runs_prguard_for_anything_else():
    env = {**os.environ, "PATH": f"{Path(checks.BIN)}:{os.environ['PATH']}"}
    out = subprocess.run([str(ENTRYPOINT), "preprocess", "--help"], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert "--master" in out.stdout and "--conf" in out.stdout
