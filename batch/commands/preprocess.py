"""`prguard preprocess`: build a feature set from the stored PRs with Spark."""
from __future__ import annotations

import math
import os

import click

from prguard.config import ConfigError
from prguard.configured import configured
from prguard.data import featureset, objectstore
from prguard.logs import configure_logging
from prguard.profiles import PREPROCESS_SOURCE, save_profiles
from prguard.store import open_store

# Rows per Spark partition when --partitions is not given: small enough that a partition's vectors and
# Parquet buffer stay far below a modest executor heap, large enough that task overhead stays small.
ROWS_PER_PARTITION = 25_000


def default_partitions(total: int, parallelism: int) -> int:
    return max(parallelism, math.ceil(total / ROWS_PER_PARTITION), 1)


def spark_conf(pairs: tuple[str, ...]) -> dict[str, str]:
    """``--conf KEY=VALUE`` options as a dict, with a message naming a malformed one."""
    conf = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip().startswith("spark."):
            raise click.BadParameter(f"{pair!r} is not spark.KEY=VALUE", param_hint="--conf")
        conf[key.strip()] = value
    return conf


def check_cluster_inputs(settings, feature_uri: str) -> None:
    """Executors in other pods can reach MongoDB and s3://, not this pod's SQLite file or directory."""
    if not settings.mongo_uri:
        raise ConfigError("executors on a cluster read the store's partitions themselves: set MONGO_URI "
                          "(the embedded SQLite file exists only in this pod), or use --master local[*]")
    if not feature_uri.startswith("s3://"):
        raise ConfigError(f"executors on a cluster write the feature set themselves: {feature_uri!r} is "
                          "a local path; use an s3:// PRGUARD_FEATURES_URI or --output, or --master local[*]")


@click.command()
@click.option("--master", envvar="SPARK_MASTER", default=None,
              help="Spark master URL (env SPARK_MASTER). Default: local[*], or what spark-submit set.")
@click.option("--partitions", type=click.IntRange(min=1), default=None,
              help=f"Store key ranges read in parallel. Default: one per {ROWS_PER_PARTITION} PRs, "
                   "at least Spark's default parallelism.")
@click.option("--output", "output_uri", default=None,
              help="Feature store: a directory or s3://bucket/prefix (default PRGUARD_FEATURES_URI, "
                   "else <data dir>/features). S3_ENDPOINT_URL selects e.g. DigitalOcean Spaces.")
@click.option("--driver-memory", default="1g", show_default=True, help="Spark driver heap.")
@click.option("--conf", "conf_pairs", multiple=True, metavar="spark.KEY=VALUE",
              help="A Spark setting, as spark-submit's --conf (repeatable); e.g. the executor image and "
                   "the driver's pod address for --master k8s://.")
@configured("preprocess")
def preprocess(settings, master, partitions, output_uri, driver_memory, conf_pairs):
    """Build a versioned feature set (Parquet + manifest) from every stored pull request."""
    from batch import preprocess as job
    from batch import spark_source

    # settings_for also exported the S3 credentials from Vault before the JVM starts: Spark's Python
    # workers inherit them.
    configure_logging(settings.log_level, settings.log_format)
    conf = spark_conf(conf_pairs)
    job.check_master(master)
    if job.is_cluster_master(master):
        check_cluster_inputs(settings, output_uri or settings.feature_store)
    objects = objectstore.for_uri(output_uri or settings.feature_store, settings.s3_endpoint_url)
    store = open_store(settings)
    try:
        total = store.prs.count()
        if total == 0:
            raise click.ClickException(
                "the store holds no pull requests: run `prguard fetch` (or import the demo data) first")
        expected = job.expected_heads(store)
    finally:
        store.close()
    # Under spark-submit the JVM already exists (PYSPARK_GATEWAY_PORT) and its master must be kept.
    if master is None and "PYSPARK_GATEWAY_PORT" not in os.environ:
        master = "local[*]"
    # A session that already runs in this process (an embedding pipeline, tests) is reused, not stopped.
    owns_session = job.active_session() is None
    spark = job.spark_session(master=master, driver_memory=driver_memory, conf=conf)
    try:
        parallelism = spark.sparkContext.defaultParallelism
        options = spark_source.store_options(settings, partitions or default_partitions(total, parallelism))
        manifest = job.run(spark, options, objects, expected)
    finally:
        if owns_session:
            spark.stop()
    # The profiles become the newest version of each repository's profile: the worker scores with them
    # from now on, whether or not a model is trained on this feature set.
    store = open_store(settings)
    try:
        versions = save_profiles(store, featureset.read_profiles(objects, manifest["id"]), PREPROCESS_SOURCE)
    finally:
        store.close()
    click.echo(f"feature set {manifest['id']}: {manifest['row_count']} pull requests, "
               f"{len(manifest['feature_names'])} features (version {manifest['feature_version']}), "
               f"{len(manifest['files'])} Parquet files in {objects.uri}; "
               f"{len(versions)} repository profiles stored")
    skipped = manifest["source"]["snapshot"]["skipped"]
    if skipped:
        click.echo(f"{skipped} stored pull request(s) could not be used and were skipped; the log names "
                   "each one by its key and says why", err=True)
