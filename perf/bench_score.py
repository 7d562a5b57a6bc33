"""Benchmark: `prguard score` throughput (PRs/s) on demo PR documents, through the one scoring path.

Run: .venv/bin/python -m perf.bench_score [--prs 5000]
Trains a small bundle in memory (no MLflow needed), then times features + model + reasons + JSON
for every PR, in the chunks `prguard score` uses. Also reports single-PR latency (the service's case).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time


from batch.train import TrainConfig
from prguard.commands.score import CHUNK
from prguard.demo import generator
from prguard.model.bundle import ScorerBundle
from tests.support.training_data import bundle_of


def bundle_for(docs: list[dict]) -> ScorerBundle:
    return bundle_of(docs, dataclasses.replace(TrainConfig(), epochs=10), model_version="bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prs", type=int, default=5000)
    args = parser.parse_args()
    docs = list(generator.generate(repos=5, prs=args.prs, seed=1))
    bundle = bundle_for(docs[: min(len(docs), 3000)])
    lines = [json.dumps(doc) for doc in docs]
    started = time.perf_counter()
    written = 0
    for i in range(0, len(lines), CHUNK):
        chunk = [json.loads(line) for line in lines[i:i + CHUNK]]
        written += sum(len(json.dumps(r, sort_keys=True)) for r in bundle.score(chunk))
    elapsed = time.perf_counter() - started
    latencies = []
    for doc in docs[:300]:
        one = time.perf_counter()
        bundle.score([doc])
        latencies.append((time.perf_counter() - one) * 1000)
    print(f"scored {len(docs)} PRs in {elapsed:.2f} s: {len(docs) / elapsed:,.0f} PRs/s "
          f"(parse + features + model + reasons + JSON; {written / 1e6:.1f} MB out)")
    print(f"single PR latency: median {statistics.median(latencies):.2f} ms, "
          f"p95 {sorted(latencies)[int(len(latencies) * 0.95)]:.2f} ms")


if __name__ == "__main__":
    main()
