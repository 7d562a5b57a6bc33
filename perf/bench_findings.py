"""Benchmark: findings time per PR — typical PRs (rules on added lines), and PRs that change workflows
(rules plus zizmor on the base and the head versions), side by side in one run.

Run: .venv/bin/python -m perf.bench_findings [--prs 2000] [--workflow-prs 40]
Typical PRs are demo PRs (GitHub-shaped, with patches). Workflow PRs change one of four realistic
workflows of a repository (base and head contents given, as the worker fetches them), so zizmor audits
the changed file at the head and the base's workflows: two zizmor processes per PR.
"""
from __future__ import annotations

import argparse
import random
import statistics
import time

from prguard import findings
from prguard.demo import generator
from prguard.findings import zizmor
from tests.support import workflows as W
from tests.support.pr_content import changed, hunk
from tests.support.pull_requests import pull_request

BASE_TREE = {".github/workflows/ci.yml": W.CI, ".github/workflows/lint.yml": W.LINT,
             ".github/workflows/release.yml": W.RELEASE, ".github/workflows/docs.yml": W.DOCS}
ADDED_STEPS = (["      - run: npm run lint"], W.TITLE_INJECTION_STEP,
               ["      - run: curl -sSL https://get.example.sh | bash"],
               ["      - uses: actions/cache@v4", "        with:", "          path: ~/.npm",
                "          key: npm-${{ hashFiles('package-lock.json') }}"])


def workflow_prs(count: int, seed: int = 3) -> list[dict]:
    """PRs appending a step to one base workflow: the patch, and the file at base and head."""
    rng = random.Random(seed)
    docs = []
    for i in range(count):
        path = rng.choice(sorted(BASE_TREE))
        lines = W.lines_of(BASE_TREE[path])
        step = ADDED_STEPS[i % len(ADDED_STEPS)]
        head_text = "\n".join(lines + step) + "\n"
        patch = hunk(len(lines) - 1, lines[-2:], added=step)
        docs.append(pull_request(changed(path, patch), title=f"ci: tweak {path.rsplit('/', 1)[-1]}",
                                 base_workflows=dict(BASE_TREE), head_workflows={path: head_text}))
    return docs


def timed(docs: list[dict], runner) -> tuple[list[float], int]:
    per_pr, found = [], 0
    for doc in docs:
        started = time.perf_counter()
        found += len(findings.check(doc, runner=runner).findings)
        per_pr.append((time.perf_counter() - started) * 1000)
    return per_pr, found


def line(label: str, per_pr: list[float], found: int) -> str:
    ordered = sorted(per_pr)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (f"{label:<44} {len(per_pr):>5} PRs  mean {statistics.fmean(per_pr):8.2f} ms  "
            f"p50 {statistics.median(per_pr):8.2f} ms  p95 {p95:8.2f} ms  findings {found}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prs", type=int, default=2000)
    parser.add_argument("--workflow-prs", type=int, default=40)
    args = parser.parse_args()
    typical = list(generator.generate(repos=5, prs=args.prs, seed=1))
    changing = workflow_prs(args.workflow_prs)
    zizmor.run({".github/workflows/ci.yml": W.CI})  # warm the binary's page cache; not counted
    typical_ms, typical_found = timed(typical, zizmor.run)
    print(f"zizmor {zizmor.binary()}")
    print(line("typical PRs (rules; zizmor when workflows change)", typical_ms, typical_found))
    rules_ms, rules_found = timed(changing, None)
    print(line("workflow PRs, PRGuard's rules only", rules_ms, rules_found))
    full_ms, full_found = timed(changing, zizmor.run)
    print(line("workflow PRs, rules + zizmor on base and head", full_ms, full_found))
    share = 1 - statistics.fmean(rules_ms) / statistics.fmean(full_ms)
    print(f"zizmor's share of a workflow PR: {share:.0%}")


if __name__ == "__main__":
    main()
