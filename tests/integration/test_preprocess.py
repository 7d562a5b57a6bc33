"""`prguard preprocess` end to end on local Spark: a SQLite store in, a feature set out (local dir and S3)."""
from __future__ import annotations

import gc
import json

import pytest
from click.testing import CliRunner

from batch import preprocess as job
from batch import spark_source
from batch.commands.preprocess import preprocess as preprocess_command
from prguard.config import Settings
from prguard.data import featureset, objectstore
from prguard.features import extraction
from prguard.features.summary import summarize
from prguard.store import open_store, pr_key
from prguard.store.docs import canonical_timestamp
from tests.support.live_twin import live
from tests.support.npm_packages import examples_for
from tests.support.pr_history import history
from tests.support.s3_server import running_s3_server

pytestmark = [
    pytest.mark.slow,
    # pyspark's collect() leaves its local result socket for the garbage collector to close.
    pytest.mark.filterwarnings("ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning"),
]

EXPECTED = [("org0/project-0", 3), ("org1/project-1", 40)]
PUSHED_SINCE = ("org3/project-3", 7)


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A SQLite store with a few hundred PRs in four repositories plus GitHub's example PR payloads."""
    data_dir = tmp_path_factory.mktemp("var")
    settings = Settings.from_env({"PRGUARD_DATA_DIR": str(data_dir)})
    store = open_store(settings)
    for doc in history(repos=4, prs_per_repo=70):
        store.prs.upsert(doc)
    for example in examples_for("pull_request"):
        store.prs.upsert(example["pull_request"])
    for repo, number in EXPECTED:
        doc = store.prs.get(repo, number)
        store.feedback.add(repo, number, doc["head"]["sha"], "expected", user="maintainer")
    store.feedback.add("org2/project-2", 5, "0" * 40, "noise", user="maintainer")  # not "expected"
    # Marked at a head SHA the PR has since moved on from: the stored version is judged again.
    store.feedback.add(*PUSHED_SINCE, "1" * 40, "expected", user="maintainer")
    docs = list(store.prs.iter())
    store.close()
    return settings, docs


@pytest.fixture(scope="module")
def s3_server():
    with running_s3_server() as server:
        yield server


@pytest.fixture(scope="module")
def spark(s3_server):
    # One session for the module: starting Spark costs tens of seconds on two cores. The S3 server's
    # dummy credentials are in the environment first: Spark's Python workers inherit the environment
    # the JVM started with, just as executor pods get theirs from their spec on a cluster.
    session = job.spark_session("local[2]", conf={"spark.ui.enabled": "false", "spark.default.parallelism": "2"})
    yield session
    session.stop()
    gc.collect()  # close pyspark's leftover sockets while this module's warning filter applies


@pytest.fixture(scope="module")
def local_set(stored, spark):
    settings, _ = stored
    store = open_store(settings)
    expected = job.expected_heads(store)
    store.close()
    objects = objectstore.for_settings(settings)
    manifest = job.run(spark, spark_source.store_options(settings, partitions=3), objects, expected)
    gc.collect()
    return manifest, featureset.read(objects, manifest["id"])


def test_manifest_describes_the_set_and_marks_it_complete(stored, local_set):
    settings, docs = stored
    manifest, loaded = local_set
    assert manifest["row_count"] == len(docs) == loaded.table.num_rows
    assert manifest["feature_names"] == list(extraction.FEATURE_NAMES)
    assert manifest["feature_version"] == extraction.FEATURE_VERSION
    assert manifest["partitions"] == 3
    assert manifest["files"] == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    newest = max(canonical_timestamp(doc["updated_at"]) for doc in docs)
    assert manifest["source"] == {"store": "sqlite",
                                  "snapshot": {"updated_at": newest, "pull_requests": len(docs), "skipped": 0}}
    assert manifest["created_at"].endswith("Z") and manifest["id"][:8] == manifest["created_at"][:10].replace("-", "")
    objects = objectstore.for_settings(settings)
    assert featureset.latest_id(objects) == manifest["id"]
    assert sorted(objects.list(manifest["id"] + "/")) == sorted(
        f"{manifest['id']}/{name}" for name in manifest["files"] + ["profiles.json", "manifest.json"])


def test_every_stored_pr_appears_exactly_once(stored, local_set):
    _, docs = stored
    _, loaded = local_set
    keys = list(zip(loaded.table.column("repo").to_pylist(), loaded.table.column("number").to_pylist()))
    assert len(keys) == len(set(keys))
    assert set(keys) == {(d["base"]["repo"]["full_name"], d["number"]) for d in docs}


def test_features_equal_the_scoring_path_value_for_value(stored, local_set):
    """The service scores with extraction.extract(summarize(doc), the bundle's profile for the repo): same numbers."""
    _, docs = stored
    _, loaded = local_set
    spark_vectors = {(r["repo"], r["number"]): r["features"] for r in
                     loaded.table.select(["repo", "number", "features"]).to_pylist()}
    by_repo: dict[str, list] = {}
    for doc in docs:
        by_repo.setdefault(doc["base"]["repo"]["full_name"], []).append(doc)
    for repo, repo_docs in by_repo.items():
        in_process = extraction.build_profile(repo, [extraction.profile_stats(summarize(d)) for d in repo_docs])
        assert loaded.profiles[repo] == json.loads(json.dumps(in_process.to_dict()))
        profile = extraction.RepoProfile.from_dict(loaded.profiles[repo])  # as the scorer bundle loads it
        for doc in repo_docs:
            assert spark_vectors[(repo, doc["number"])] == extraction.extract(summarize(doc), profile)


def test_a_live_pr_with_patches_gets_the_values_spark_computed_from_history(stored, local_set):
    """History has no patches (GraphQL gives none), the live PR has them (REST): the model's inputs must not
    differ, whatever the patches say (installer lines, decoded payloads, hidden Unicode)."""
    _, docs = stored
    _, loaded = local_set
    spark_vectors = {(r["repo"], r["number"]): r["features"] for r in
                     loaded.table.select(["repo", "number", "features"]).to_pylist()}
    with_patches = 0
    for doc in docs:
        repo = doc["base"]["repo"]["full_name"]
        twin = live(doc)
        with_patches += any("patch" in f for f in twin.get("files") or ())
        profile = extraction.RepoProfile.from_dict(loaded.profiles[repo])
        assert extraction.extract(summarize(twin), profile) == spark_vectors[(repo, doc["number"])]
    assert with_patches > len(docs) / 2


def test_expected_flag_follows_maintainer_feedback_for_the_rows_head_sha_only(local_set):
    _, loaded = local_set
    flagged = {pr_key(r["repo"], r["number"]) for r in
               loaded.table.select(["repo", "number", "expected"]).to_pylist() if r["expected"]}
    assert flagged == {pr_key(repo, number) for repo, number in EXPECTED}


def test_label_carries_the_demo_label_and_is_null_without_one(stored, local_set):
    _, docs = stored
    _, loaded = local_set
    labels = {(r["repo"], r["number"]): r["label"] for r in loaded.table.select(["repo", "number", "label"]).to_pylist()}
    for doc in docs:
        key = (doc["base"]["repo"]["full_name"], doc["number"])
        if "prguard_label" in doc:
            assert json.loads(labels[key]) == doc["prguard_label"]
        else:
            assert labels[key] is None
    assert any(label is None for label in labels.values())  # GitHub's examples carry no demo label


def test_times_are_canonical_utc_text_that_sorts_chronologically(stored, local_set):
    _, docs = stored
    _, loaded = local_set
    created = {(r["repo"], r["number"]): r["created_at"] for r in
               loaded.table.select(["repo", "number", "created_at"]).to_pylist()}
    for doc in docs:
        assert created[(doc["base"]["repo"]["full_name"], doc["number"])] == canonical_timestamp(doc["created_at"])


def test_cli_writes_the_feature_set_to_s3_on_an_s3_compatible_endpoint(stored, s3_server, spark, local_set):
    settings, docs = stored
    _, local = local_set
    bucket = s3_server.create_bucket()
    env = {"PRGUARD_DATA_DIR": str(settings.data_dir), "PRGUARD_FEATURES_URI": f"s3://{bucket}/features",
           "S3_ENDPOINT_URL": s3_server.endpoint_url, "SPARK_MASTER": "local[2]"}
    result = CliRunner().invoke(preprocess_command, ["--partitions", "2"], env=env)
    gc.collect()
    assert result.exit_code == 0, result.output
    objects = objectstore.for_uri(f"s3://{bucket}/features", endpoint_url=s3_server.endpoint_url)
    set_id = featureset.latest_id(objects)
    assert set_id is not None and f"feature set {set_id}: {len(docs)} pull requests" in result.output
    remote = featureset.read(objects, set_id)
    assert remote.manifest["files"] == ["part-00000.parquet", "part-00001.parquet"]
    assert remote.table.select(["repo", "number", "features", "expected", "label"]).equals(
        local.table.select(["repo", "number", "features", "expected", "label"]))
    assert remote.profiles == local.profiles
    # Each profile is now also the newest version of its repository's profile in the store.
    assert f"{len(local.profiles)} repository profiles stored" in result.output
    store = open_store(settings)
    try:
        for repo, profile in local.profiles.items():
            newest = store.onboarding.get_profile(repo)
            assert (newest["profile"], newest["source"]) == (profile, "preprocess")
    finally:
        store.close()


def test_unusable_stored_documents_are_skipped_by_key_and_the_job_completes(tmp_path, spark):
    """A stored document with a year-overflow created_at (written before the webhook checked it) used to
    fail its Spark task and make `prguard preprocess` exit 1 for every repository."""
    settings = Settings.from_env({"PRGUARD_DATA_DIR": str(tmp_path)})
    store = open_store(settings)
    good = history(repos=2, prs_per_repo=15)
    for doc in good:
        store.prs.upsert(doc)
    bad = {"org0/project-0#900": {**good[0], "number": 900, "created_at": "9999-12-31T23:59:59-23:59"},
           "org0/project-0#901": {**good[0], "number": 901, "head": {"sha": "../../../../app/installations#"}}}
    for key, doc in bad.items():
        store._db.execute("INSERT INTO pull_requests (pr_key, repo_key, repo, number, head_sha, updated_at, doc)"
                          " VALUES (?, 'org0/project-0', 'org0/project-0', ?, 'x', '2024', ?)",
                          (key, doc["number"], json.dumps(doc)))
    store._db.commit()
    store.close()
    env = {"PRGUARD_DATA_DIR": str(tmp_path), "SPARK_MASTER": "local[2]"}
    result = CliRunner().invoke(preprocess_command, ["--partitions", "2"], env=env)
    gc.collect()
    assert result.exit_code == 0, result.output
    assert f"{len(good)} pull requests" in result.output
    assert "2 stored pull request(s) could not be used and were skipped" in result.output
    skipped = [line for line in result.stderr.splitlines() if "skipped stored pull request" in line]
    assert len(skipped) == 2
    assert any("org0/project-0#900" in m and "created_at" in m for m in skipped)
    assert any("org0/project-0#901" in m and "head.sha" in m for m in skipped)
    objects = objectstore.for_settings(settings)
    manifest = featureset.read(objects, featureset.latest_id(objects)).manifest
    assert manifest["row_count"] == len(good) and manifest["source"]["snapshot"]["skipped"] == 2


def test_cli_explains_an_empty_store(tmp_path):
    result = CliRunner().invoke(preprocess_command, [], env={"PRGUARD_DATA_DIR": str(tmp_path)})
    assert result.exit_code != 0
    assert "no pull requests" in result.output and "prguard fetch" in result.output
