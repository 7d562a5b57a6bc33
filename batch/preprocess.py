"""The Spark preprocessing job: store -> repository profiles -> feature vectors -> a feature set.

Only Spark glue lives here: every value comes from prguard.features.extraction, the code the service
scores with.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import sys
import time
from typing import Any, Iterator

from pyspark import StorageLevel
from pyspark.sql import SparkSession

from prguard.config import ConfigError
from prguard.data import featureset
from prguard.data.objectstore import ObjectStore
from prguard.features import extraction
from prguard.store import pr_key
from batch import spark_source
from prguard.states import FeedbackLabel

log = logging.getLogger(__name__)

EXPECTED_LABEL = FeedbackLabel.EXPECTED
# Rows per Parquet row group written by an executor: bounds the memory one batch of vectors takes.
BATCH_ROWS = 10_000
# Skipped documents logged one by one (with their store key); the count in the manifest covers all.
LOGGED_SKIPS = 100


# The master URLs Spark accepts (spark-submit's --master): anything else only fails once the JVM has
# started, with a Java stack trace and "Java gateway process exited".
MASTER_URL = re.compile(r"local(\[(\*|\d+)(,\d+)?\])?|local-cluster\[[\d, ]+\]|yarn|(spark|k8s)://\S+")


def check_master(master: str | None) -> None:
    """Refuse a master URL Spark would not start with, naming where it came from."""
    if master is not None and not MASTER_URL.fullmatch(master):
        raise ConfigError(f"--master (or SPARK_MASTER) {master!r} is not a Spark master URL: use local[*], "
                          "local[N], spark://HOST:PORT, k8s://https://HOST:PORT or yarn")


def is_cluster_master(master: str | None) -> bool:
    """True when executors run outside this process: Kubernetes pods (``k8s://``) or a standalone cluster."""
    return bool(master) and master.startswith(("k8s://", "spark://"))


def spark_session(master: str | None = "local[*]", driver_memory: str = "1g",
                  app_name: str = "prguard-preprocess", conf: dict[str, str] | None = None) -> SparkSession:
    """A SparkSession for the job. ``master=None`` keeps what spark-submit configured."""
    # Spark's Python workers must run this interpreter (it has prguard installed), and a local driver
    # must not look up or advertise a routable address when it only talks to itself. A driver whose
    # executors run in other pods (k8s://) must listen on the pod's address instead.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if not is_cluster_master(master):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    settings = {
        "spark.driver.memory": driver_memory,
        "spark.log.level": "WARN",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.redaction.options.regex": spark_source.REDACTED_OPTIONS_REGEX,
    }
    settings.update(conf or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    spark.dataSource.register(spark_source.StoreDataSource)
    return spark


def active_session() -> SparkSession | None:
    return SparkSession.getActiveSession()


@dataclasses.dataclass(frozen=True)
class PartSummary:
    """What an executor reports back for one partition: a few numbers, never the rows themselves."""

    index: int
    file: str | None
    rows: int
    newest_updated_at: str | None


def _profile_stats_rows(rows: Iterator[Any]) -> Iterator[tuple[str, dict[str, float]]]:
    for row in rows:
        yield row.repo, extraction.profile_stats(extraction.summarize(json.loads(row.doc)))


def _feature_row(row: Any, profiles: dict[str, Any], expected: set[str]) -> dict[str, Any]:
    doc = json.loads(row.doc)
    return {
        "repo": row.repo, "number": row.number, "head_sha": row.head_sha, "created_at": row.created_at,
        "updated_at": row.updated_at, "label": featureset.label_json(doc),
        "expected": expected_key(row.repo, row.number, row.head_sha) in expected,
        # The profile lookup matches the scoring path's: the repository's own profile, else global norms.
        "features": extraction.extract(extraction.summarize(doc),
                                       profiles.get(row.repo) or extraction.GLOBAL_PROFILE),
    }


def write_partition(index: int, rows: Iterator[Any], *, store: ObjectStore, set_id: str,
                    profiles: dict[str, Any], expected: set[str]) -> PartSummary:
    """Compute one partition's vectors and write them as one Parquet part through the object store.

    Executors write straight to the object store (pyarrow + boto3) because Spark's own writer would
    need the hadoop-aws jars for s3://. This works on a cluster as it does locally: every executor
    reaches the bucket; a local feature store on a cluster needs a directory all executors mount.
    The part's name depends only on the partition index, so a retried task overwrites its own file.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    count, newest, batch = 0, None, []
    sink = pa.BufferOutputStream()
    writer = pq.ParquetWriter(sink, featureset.SCHEMA, compression="zstd")
    for row in rows:
        batch.append(_feature_row(row, profiles, expected))
        newest = row.updated_at if newest is None or row.updated_at > newest else newest
        if len(batch) >= BATCH_ROWS:
            writer.write_table(featureset.to_table(batch))
            count, batch = count + len(batch), []
    if batch:
        writer.write_table(featureset.to_table(batch))
        count += len(batch)
    writer.close()
    if count == 0:
        return PartSummary(index, None, 0, None)
    key = featureset.part_key(set_id, index)
    store.put_bytes(key, sink.getvalue().to_pybytes())
    return PartSummary(index, key.split("/", 1)[1], count, newest)


def usable_rows(frame) -> tuple[Any, int]:
    """The rows whose stored documents can be used, and how many were skipped; each skipped one is
    logged with its key and the reason, so one bad document never stops the job for everyone."""
    unusable = frame.filter(frame.problem.isNotNull()).select("key", "problem")
    skipped = unusable.count()
    for row in unusable.limit(LOGGED_SKIPS).collect():
        log.warning("skipped stored pull request %s: %s", row.key, row.problem)
    if skipped > LOGGED_SKIPS:
        log.warning("skipped %d more stored pull requests (only the first %d are listed)",
                    skipped - LOGGED_SKIPS, LOGGED_SKIPS)
    return frame.filter(frame.problem.isNull()), skipped


def build_profiles(frame) -> dict[str, Any]:
    """Per-repository profiles: profile_stats on the executors, one build_profile per repository group."""
    grouped = frame.select("repo", "doc").rdd.mapPartitions(_profile_stats_rows).groupByKey()
    return dict(grouped.map(lambda item: (item[0], extraction.build_profile(item[0], item[1]))).collect())


def expected_key(repo: str, number: int, head_sha: str) -> str:
    """One version of a PR: ``owner/name#number@head_sha``."""
    return f"{pr_key(repo, number)}@{head_sha}"


def expected_heads(store) -> set[str]:
    """Keys (``expected_key``) of the PR versions a maintainer marked "expected": a small set, read on
    the driver. A label holds only for the head SHA it was given on, so a row whose PR was pushed to
    since is not marked (the worker stores labels only from senders with write access)."""
    return {expected_key(f["repo"], f["number"], f["head_sha"]) for f in store.feedback.list()
            if f["label"] == EXPECTED_LABEL}


def run(spark: SparkSession, options: dict[str, str], objects: ObjectStore, expected: set[str],
        set_id: str | None = None) -> dict[str, Any]:
    """Build one feature set from the store that ``options`` (spark_source.store_options) describe.

    Returns the manifest. The manifest is written last, after every part file and the profiles.
    """
    started = time.monotonic()
    set_id = set_id or featureset.new_id()
    frame = spark.read.format(spark_source.FORMAT).options(**options).load()
    # Both passes (profiles, then vectors) must see the same snapshot of a store that webhooks keep
    # changing, so the documents are read once and kept on local disk (not in the modest heap).
    stored = frame = frame.persist(StorageLevel.DISK_ONLY)
    # Executors in other pods do not share this process's environment: the object store they write
    # through carries the credentials the driver resolved (inside Spark's task closure, never in a pod spec).
    objects = objects.for_workers()
    try:
        frame, skipped = usable_rows(stored)
        log.info("building repository profiles from %s (%d partitions)",
                 spark_source.describe_store(options), frame.rdd.getNumPartitions())
        profiles = build_profiles(frame)
        log.info("profiles built for %d repositories; computing features", len(profiles))
        shared_profiles = spark.sparkContext.broadcast(profiles)
        shared_expected = spark.sparkContext.broadcast(expected)

        def write(index: int, rows: Iterator[Any]) -> Iterator[PartSummary]:
            yield write_partition(index, rows, store=objects, set_id=set_id,
                                  profiles=shared_profiles.value, expected=shared_expected.value)

        summaries = frame.rdd.mapPartitionsWithIndex(write).collect()
    finally:
        stored.unpersist()
    summaries.sort(key=lambda s: s.index)
    row_count = sum(s.rows for s in summaries)
    newest = max((s.newest_updated_at for s in summaries if s.newest_updated_at), default=None)
    featureset.write_profiles(objects, set_id, profiles)
    source = {"store": options.get("store"),
              "snapshot": {"updated_at": newest, "pull_requests": row_count, "skipped": skipped}}
    manifest = featureset.write_manifest(
        objects, set_id, row_count=row_count, feature_names=list(extraction.FEATURE_NAMES),
        feature_version=extraction.FEATURE_VERSION, source=source, partitions=len(summaries),
        files=[s.file for s in summaries if s.file])
    log.info("feature set %s: %d rows in %d files written to %s in %.1f s", set_id, row_count,
             len(manifest["files"]), objects.uri, time.monotonic() - started)
    return manifest
