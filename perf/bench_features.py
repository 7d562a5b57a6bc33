"""Benchmark: the shared feature code per PR (summarize, profile_stats, extract, explain), as callers use it.

Run: .venv/bin/python -m perf.bench_features [--prs 3000] [--repos 6] [--profile]
Times the Spark job's way (summarize, then profile_stats; summarize again, then extract: the job reads each
document once per stage) and the scorer's way (one summarize() per PR shared by extract and three
explanations).
--profile prints the top functions by own time (cProfile) for the job's loop.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import time


from prguard.demo import generator
from prguard.features import extraction
from prguard.model.bundle import pr_identity


def per_pr_us(seconds: float, count: int) -> str:
    return f"{seconds / count * 1e6:,.0f} µs/PR"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prs", type=int, default=3000)
    parser.add_argument("--repos", type=int, default=6)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    docs = list(generator.generate(args.repos, args.prs, seed=1))
    history: dict[str, list] = {}
    for doc in docs:
        stats = extraction.profile_stats(extraction.summarize(doc))
        history.setdefault(pr_identity(doc)[0], []).append(stats)
    profiles = {repo: extraction.build_profile(repo, rows) for repo, rows in history.items()}
    repo_profiles = [profiles[pr_identity(doc)[0]] for doc in docs]

    def job_stages() -> tuple[float, float]:
        started = time.perf_counter()
        for doc in docs:
            extraction.profile_stats(extraction.summarize(doc))
        middle = time.perf_counter()
        for doc, profile in zip(docs, repo_profiles):
            extraction.extract(extraction.summarize(doc), profile)
        return middle - started, time.perf_counter() - middle

    stats_s, extract_s = job_stages()
    started = time.perf_counter()
    for doc, profile in zip(docs, repo_profiles):
        summary = extraction.summarize(doc)
        extraction.extract(summary, profile)
        explain = extraction.explainer(summary, profile)
        for name in extraction.FEATURE_NAMES[:3]:  # a check run shows three reasons
            explain(name)
    shared_s = time.perf_counter() - started
    print(f"{len(docs)} demo PRs in {len(profiles)} repositories")
    print(f"summarize + profile_stats:   {per_pr_us(stats_s, len(docs))}")
    print(f"summarize + extract:         {per_pr_us(extract_s, len(docs))}")
    print(f"both job stages:             {per_pr_us(stats_s + extract_s, len(docs))}")
    print(f"summarize + extract + 3 explanations: {per_pr_us(shared_s, len(docs))}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(job_stages)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
