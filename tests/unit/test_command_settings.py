"""Each command reads its own component's secrets, and a bad setting ends every command the same way."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from prguard.cli import main

AWS = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
APP = {"GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY"}
# What a deployment (Vault or a mounted directory) must hold for each command: its component's
# secrets and no other's; `score` needs neither the worker's App key nor fetch's.
NEEDS = {
    "serve": {"GITHUB_WEBHOOK_SECRET", "MONGO_URI"},
    "worker": APP | AWS | {"MONGO_URI"},
    "fetch": APP | {"MONGO_URI"},
    "preprocess": AWS | {"MONGO_URI"},
    "train": AWS,
    "evaluate": AWS,
    "score": AWS | {"MONGO_URI"},
    "import": {"MONGO_URI"},
    "checks": {"MONGO_URI"},
    "status": {"MONGO_URI"},
    "feedback": {"MONGO_URI"},
}
ARGS = {"score": ["-"], "import": ["-"], "evaluate": ["-"]}
# Whatever the machine running the tests has set must not choose the store or the secret provider.
CLEAN = {name: None for name in ("MONGO_URI", "VAULT_ADDR", "PRGUARD_SECRETS_DIR", "SPARK_MASTER",
                                 "PRGUARD_FEATURES_URI", "GITHUB_APP_ID", "GITHUB_TOKEN")}


def invoke(command: str, env: dict, *args: str):
    return CliRunner().invoke(main, [command, *ARGS.get(command, []), *args], input="", env={**CLEAN, **env})


def missing_secrets(message: str) -> set[str]:
    match = re.search(r"secrets? (.+?) (?:is|are) missing", message)
    return set(match.group(1).split(", ")) if match else set()


@pytest.mark.parametrize("command", sorted(NEEDS))
def test_each_command_asks_for_its_own_components_secrets_only(command, tmp_path, data_dir):
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()  # mounted, but empty: the start-up check names every secret the command needs
    result = invoke(command, {"PRGUARD_DATA_DIR": str(data_dir), "PRGUARD_SECRETS_DIR": str(secrets_dir)})
    assert result.exit_code == 2, result.output
    assert missing_secrets(result.stderr) == NEEDS[command]


def assert_one_configuration_line(exit_code: int, stdout: str, stderr: str, *names: str) -> None:
    lines = stderr.strip().splitlines()
    assert exit_code == 2, stderr
    assert stdout == "" and len(lines) == 1, stderr
    assert lines[0].startswith("Error: configuration: ") and all(name in lines[0] for name in names)


@pytest.mark.parametrize("command, env, names", [
    ("preprocess", {"PRGUARD_LOG_LEVEL": "LOUD"}, ["PRGUARD_LOG_LEVEL", "'LOUD'"]),
    ("preprocess", {"SPARK_MASTER": "sparkk://master:7077"}, ["SPARK_MASTER", "sparkk://"]),
    ("preprocess", {"PRGUARD_FEATURES_URI": "gs://bucket/features"}, ["PRGUARD_FEATURES_URI", "gs://"]),
    ("import", {"MONGO_URI": "http://db.example"}, ["MONGO_URI", "mongodb://"]),
    ("checks", {"MONGO_URI": "mongodb://127.0.0.1:1", "PRGUARD_MONGO_DB": "a/b"}, ["PRGUARD_MONGO_DB"]),
    ("fetch", {"GITHUB_APP_ID": "1", "GITHUB_APP_PRIVATE_KEY": "not a key"}, ["GITHUB_APP_PRIVATE_KEY", "PEM"]),
    ("fetch", {"GITHUB_TOKEN": "t", "GITHUB_API_URL": "api.github.example"}, ["GITHUB_API_URL"]),
    ("fetch", {}, ["no GitHub credentials", "GITHUB_TOKEN"]),
    ("worker", {"PRGUARD_JOB_LEASE_SECONDS": "two minutes"}, ["PRGUARD_JOB_LEASE_SECONDS"]),
    ("serve", {"S3_ENDPOINT_URL": "fra1.digitaloceanspaces.com"}, ["S3_ENDPOINT_URL"]),
    ("status", {"PRGUARD_UNUSUAL_CONCLUSION": "block"}, ["PRGUARD_UNUSUAL_CONCLUSION"]),
    ("score", {"MLFLOW_TRACKING_URI": "mlflw://user:hunter2@mlflow"}, ["MLFLOW_TRACKING_URI", "'mlflw'"]),
])
def test_a_configuration_error_reads_the_same_in_every_command(command, env, names, data_dir):
    result = invoke(command, {"PRGUARD_DATA_DIR": str(data_dir), **env})
    assert_one_configuration_line(result.exit_code, result.stdout, result.stderr, *names)


def test_an_unreachable_secret_store_reads_the_same(tmp_path, data_dir):
    token = tmp_path / "token"
    token.write_text("a service-account token")
    result = invoke("train", {"PRGUARD_DATA_DIR": str(data_dir), "VAULT_ADDR": "http://127.0.0.1:9",
                              "VAULT_ROLE": "prguard-train", "VAULT_SECRET_PATH": "secret/data/prguard/train",
                              "VAULT_K8S_TOKEN_PATH": str(token)})
    assert_one_configuration_line(result.exit_code, result.stdout, result.stderr, "127.0.0.1:9")


@pytest.mark.parametrize("variable, value", [("PRGUARD_LOG_LEVEL", "LOUD"), ("MONGO_URI", "mongodb://")])
def test_preprocess_reports_bad_configuration_without_a_traceback(variable, value, data_dir):
    """The real process, as a CronJob runs it: one line on stderr, not Python's traceback."""
    env = {k: v for k, v in os.environ.items() if k not in CLEAN}
    env.update(PRGUARD_DATA_DIR=str(data_dir), **{variable: value})
    done = subprocess.run([sys.executable, "-m", "prguard", "preprocess"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert "Traceback" not in done.stderr
    assert_one_configuration_line(done.returncode, done.stdout, done.stderr, variable)


def test_an_unusable_tracking_uri_is_refused_without_quoting_its_password(data_dir):
    result = invoke("score", {"PRGUARD_DATA_DIR": str(data_dir),
                              "MLFLOW_TRACKING_URI": "mlflw://user:hunter2@mlflow"})
    assert result.exit_code == 2 and "hunter2" not in result.stderr + result.stdout
