"""The batch pipeline as operators run it: fetch -> preprocess -> train -> score, each a `prguard` process,
against the fake GitHub API, moto's S3 server, a real MLflow server and local Spark."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from prguard.config import Settings
from prguard.demo.generator import generate
from prguard.store import open_store
from tests.support.mlflow_server import MlflowServer
from tests.support.s3_server import DUMMY_ENV, running_s3_server

pytestmark = pytest.mark.slow

INSTALLATION = 7
REPOS = 2
PRS = 500


def seed_fake_github(fake) -> list[str]:
    """Put demo PR histories into the fake GitHub, as if they had happened there."""
    docs = list(generate(REPOS, PRS, seed=11))
    branches = {doc["base"]["repo"]["full_name"]: doc["base"]["repo"]["default_branch"] for doc in docs}
    repos = sorted(branches)
    for repo in repos:
        fake.add_repo(repo, default_branch=branches[repo])
    fake.add_installation(INSTALLATION, repos[0].split("/")[0], repos)
    for doc in sorted(docs, key=lambda d: d["updated_at"]):
        fake.add_pull(
            doc["base"]["repo"]["full_name"], doc["number"], title=doc["title"], body=doc.get("body"),
            user=doc["user"]["login"], user_type=doc["user"].get("type", "User"),
            author_association=doc["author_association"], state=doc["state"],
            merged=bool(doc.get("merged_at")), draft=bool(doc.get("draft")), commits=doc["commits"],
            head_ref=doc["head"]["ref"], head_sha=doc["head"]["sha"], created_at=doc["created_at"],
            updated_at=doc["updated_at"],
            files=[{k: f[k] for k in ("filename", "status", "additions", "deletions")} for f in doc["files"]])
    return repos


def prguard(env: dict, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "prguard", *args], env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, f"prguard {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture
def world(tmp_path, fake_github):
    with running_s3_server() as s3:
        bucket = s3.create_bucket()
        mlflow = MlflowServer(tmp_path / "mlflow").start()
        try:
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("MLFLOW_", "GITHUB_", "MONGO", "VAULT_", "AWS_", "PRGUARD_"))}
            env.update(DUMMY_ENV)
            env.update(PRGUARD_DATA_DIR=str(tmp_path / "var"), GITHUB_API_URL=fake_github.base_url,
                       GITHUB_APP_ID=str(fake_github.app_id), GITHUB_APP_PRIVATE_KEY=fake_github.private_key_pem,
                       PRGUARD_FEATURES_URI=f"s3://{bucket}/features", S3_ENDPOINT_URL=s3.endpoint_url,
                       MLFLOW_TRACKING_URI=mlflow.url, MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR="false")
            yield env, s3, bucket, mlflow
        finally:
            mlflow.stop()


def test_fetch_preprocess_train_score_end_to_end_and_reproducibly(world, fake_github, tmp_path):
    env, s3, bucket, mlflow = world
    repos = seed_fake_github(fake_github)

    prguard(env, "fetch")
    settings = Settings.from_env(env)
    store = open_store(settings)
    try:
        assert store.prs.count() == PRS
        assert sorted(store.prs.repositories()) == repos
        stored = list(store.prs.iter())
    finally:
        store.close()

    # A second fetch with nothing new asks only what it must: installations, a token, the installation's
    # repositories and one GraphQL page per repository.
    fake_github.clear_log()
    prguard(env, "fetch")
    assert fake_github.request_count() <= 3 + REPOS

    prguard(env, "preprocess")
    keys = [obj["Key"] for obj in s3.client().list_objects_v2(Bucket=bucket)["Contents"]]
    assert any(key.endswith("manifest.json") for key in keys)
    assert any(key.endswith(".parquet") for key in keys)

    prguard(env, "train", "--epochs", "6", "--seed", "5")
    prs_file = tmp_path / "prs.jsonl"
    prs_file.write_text("".join(json.dumps(doc) + "\n" for doc in stored))
    first = [json.loads(line) for line in prguard(env, "score", str(prs_file)).stdout.splitlines()]
    assert len(first) == PRS
    assert {row["model_version"] for row in first} == {"1"}
    assert all(row["threshold"] > 0 for row in first)

    # The champion is what `models:/prguard-autoencoder@champion` resolves to on the server, and it
    # scores exactly as the CLI did.
    from prguard.model import registry

    bundle = registry.load_bundle(settings, "models:/prguard-autoencoder@champion")
    direct = bundle.score(stored[:50])
    assert [r["score"] for r in direct] == [r["score"] for r in first[:50]]

    # The pipeline again on unchanged data: a new feature set and model version, the same scores.
    prguard(env, "preprocess")
    prguard(env, "train", "--epochs", "6", "--seed", "5")
    second = [json.loads(line) for line in prguard(env, "score", str(prs_file)).stdout.splitlines()]
    assert {row["model_version"] for row in second} == {"2"}
    assert [(r["repo"], r["number"], r["score"]) for r in second] == \
        [(r["repo"], r["number"], r["score"]) for r in first]
