"""`prguard preprocess --master k8s://...`: what executors in other pods need is checked before Spark starts."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from batch.commands.preprocess import preprocess
from batch.preprocess import is_cluster_master

K8S = "k8s://https://kubernetes.default.svc"


@pytest.fixture
def env(data_dir, monkeypatch):
    monkeypatch.setenv("PRGUARD_DATA_DIR", str(data_dir))
    for name in ("MONGO_URI", "PRGUARD_FEATURES_URI", "VAULT_ADDR", "SPARK_MASTER"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_cluster_masters_are_told_from_local_ones():
    assert is_cluster_master(K8S) and is_cluster_master("spark://master:7077")
    assert not is_cluster_master("local[*]") and not is_cluster_master(None)


def test_executors_in_pods_cannot_read_the_embedded_sqlite_store(env):
    result = CliRunner().invoke(preprocess, ["--master", K8S])
    assert result.exit_code == 2
    assert "set MONGO_URI" in result.output


def test_executors_in_pods_cannot_write_a_local_feature_directory(env):
    env.setenv("MONGO_URI", "mongodb://mongo.example:27017")
    result = CliRunner().invoke(preprocess, ["--master", K8S, "--output", "/var/lib/prguard/features"])
    assert result.exit_code == 2
    assert "'/var/lib/prguard/features' is a local path; use an s3://" in result.output


def test_spark_settings_must_be_spark_key_value(env):
    result = CliRunner().invoke(preprocess, ["--master", "local[1]", "--conf", "driver.host=10.0.0.1"])
    assert result.exit_code == 2
    assert "'driver.host=10.0.0.1' is not spark.KEY=VALUE" in result.output
