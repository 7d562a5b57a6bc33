"""Benchmark: `prguard preprocess` throughput on 200k demo PR documents in a SQLite store, local Spark.

Run: .venv/bin/python -m perf.bench_preprocess [--prs 200000] [--repos 200] [--partitions N] [--workdir DIR]
Generates demo PRs (prguard.demo.generator), imports them into a fresh SQLite store, runs the Spark job into
a local feature store and prints the import rate, the job's wall time and its throughput in PRs/s.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


from batch import preprocess as job
from batch import spark_source
from batch.commands.preprocess import default_partitions
from prguard.config import Settings
from prguard.data import featureset, objectstore
from prguard.demo import generator
from prguard.store import open_store


def import_demo(settings: Settings, prs: int, repos: int, seed: int) -> float:
    """Fill the store; returns the seconds it took (generation included)."""
    store = open_store(settings)
    started = time.monotonic()
    for i, doc in enumerate(generator.generate(repos, prs, seed=seed), 1):
        store.prs.upsert(doc)
        if i % 20_000 == 0:
            print(f"  imported {i} PRs ({i / (time.monotonic() - started):.0f}/s)", flush=True)
    store.close()
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prs", type=int, default=200_000)
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--partitions", type=int, default=None)
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--workdir", default=None, help="keep the store and feature set here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="prguard-bench-") as tmp:
        data_dir = Path(args.workdir or tmp)
        data_dir.mkdir(parents=True, exist_ok=True)
        settings = Settings(data_dir=data_dir)
        store = open_store(settings)
        existing = store.prs.count()
        store.close()
        if existing < args.prs:
            print(f"generating and importing {args.prs} demo PRs over {args.repos} repositories ...",
                  flush=True)
            seconds = import_demo(settings, args.prs - existing, args.repos, args.seed)
            print(f"import: {args.prs - existing} PRs in {seconds:.1f} s "
                  f"({(args.prs - existing) / seconds:.0f} PRs/s)", flush=True)
        store = open_store(settings)
        total = store.prs.count()
        store.close()
        size_mb = settings.sqlite_path.stat().st_size / 1e6

        started = time.monotonic()
        spark = job.spark_session(args.master, conf={"spark.ui.enabled": "false"})
        startup = time.monotonic() - started
        partitions = args.partitions or default_partitions(total, spark.sparkContext.defaultParallelism)
        objects = objectstore.for_settings(settings)
        started = time.monotonic()
        manifest = job.run(spark, spark_source.store_options(settings, partitions), objects, set())
        wall = time.monotonic() - started
        spark.stop()
        loaded = featureset.read(objects, manifest["id"])
        assert loaded.table.num_rows == total == manifest["row_count"]

    print(f"store: {total} PRs, {size_mb:.0f} MB SQLite; {partitions} partitions, master {args.master}")
    print(f"spark start-up: {startup:.1f} s")
    print(f"preprocess wall time: {wall:.1f} s")
    print(f"preprocess throughput: {total / wall:.0f} PRs/s")


if __name__ == "__main__":
    main()
