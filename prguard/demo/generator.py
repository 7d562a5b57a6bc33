"""Synthetic but realistic GitHub pull requests, with a few labelled anomaly archetypes mixed in."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import random
from typing import Iterator

from prguard.demo import repos as R
from prguard.demo.anomalies import ARCHETYPES, Anomaly, new_workflow
from prguard.demo.shapes import Author, pr_document

ANOMALY_RATE = 0.015
START = dt.datetime(2023, 6, 1, tzinfo=dt.timezone.utc)
SPAN_DAYS = 730
# Kinds of ordinary PR: (name, probability, files multiplier).
PR_KINDS = (("feature", 0.30, 1.3), ("fix", 0.28, 0.8), ("docs", 0.10, 0.8), ("deps", 0.12, 1.0),
            ("refactor", 0.05, 5.0), ("ci", 0.04, 1.0), ("build", 0.03, 1.0), ("release", 0.04, 1.0),
            ("test", 0.02, 1.2), ("cleanup", 0.01, 8.0), ("fixture", 0.01, 1.0))
# Local-time hour weights: working hours dominate, with evenings and some night owls.
HOUR_WEIGHTS = (1, 0.6, 0.4, 0.3, 0.3, 0.4, 1, 2, 5, 8, 9, 9, 7, 8, 9, 9, 8, 6, 4, 3, 3, 3, 2, 1.5)
UTC_OFFSETS = (-8, -7, -6, -5, -4, 0, 1, 1, 2, 3, 5.5, 8, 9)


@dataclasses.dataclass
class RepoState:
    """One demo repository while its history is generated."""

    full_name: str
    kind: R.RepoKind
    tree: R.Tree
    rng: random.Random
    maintainers: list[Author]
    contributors: list[Author] = dataclasses.field(default_factory=list)
    repo_id: int = 0


def _repos(count: int, seed: int) -> list[RepoState]:
    states = []
    for i in range(count):
        kind = R.KINDS[i % len(R.KINDS)]
        org = R.ORGS[(i // len(R.KINDS) + i) % len(R.ORGS)]
        suffix = "" if i < len(R.KINDS) else f"-{i // len(R.KINDS) + 1}"
        name = f"{org}/{kind.name}{suffix}"
        rng = random.Random(f"{seed}:{name}")
        maintainers = [Author(f"{org.split('-')[0]}-{rng.choice(R.WORDS)}{n}",
                              "OWNER" if n == 0 else rng.choice(("MEMBER", "MEMBER", "COLLABORATOR")),
                              rng.choice(UTC_OFFSETS), rng.randint(10_000, 9_000_000))
                       for n in range(kind.maintainers)]
        states.append(RepoState(name, kind, R.tree_for(kind, rng), rng, maintainers,
                                repo_id=100_000_000 + rng.randint(0, 99_999_999)))
    return states


def _share(total: int, repos: list[RepoState]) -> list[int]:
    """Split ``total`` PRs across repositories by activity (largest remainder, deterministic)."""
    weights = [r.kind.activity for r in repos]
    exact = [total * w / sum(weights) for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(repos)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _when(rng: random.Random, author: Author) -> dt.datetime:
    day = rng.randrange(SPAN_DAYS)
    while (START + dt.timedelta(days=day)).weekday() >= 5 and rng.random() < 0.75:
        day = rng.randrange(SPAN_DAYS)  # weekends happen, a quarter as often
    local_hour = rng.choices(range(24), HOUR_WEIGHTS)[0] + rng.random()
    return START + dt.timedelta(days=day, hours=local_hour - author.utc_offset)


def _author(repo: RepoState, kind: str) -> Author:
    rng = repo.rng
    if kind == "deps":
        bot = "dependabot[bot]" if rng.random() < 0.8 else "renovate[bot]"
        return Author(bot, "CONTRIBUTOR", 0, 49699333 if bot.startswith("dependabot") else 29139614, True)
    maintainer_work = kind in ("ci", "build", "release", "refactor", "cleanup")
    if maintainer_work or rng.random() < 0.55 or not repo.contributors:
        if not maintainer_work and rng.random() < 0.12:
            return _newcomer(repo)
        return rng.choice(repo.maintainers)
    if rng.random() < 0.2:
        return _newcomer(repo)
    # Returning contributors follow a heavy tail: a few are regulars, most came once or twice.
    return repo.contributors[min(int(rng.paretovariate(1.2)) - 1, len(repo.contributors) - 1)]


def _newcomer(repo: RepoState) -> Author:
    rng = repo.rng
    login = f"{rng.choice(R.WORDS)}{rng.choice(('dev', 'hacker', 'coder', '', 'x'))}{rng.randint(1, 9999)}"
    # FIRST_TIMER: first contribution anywhere on GitHub; NONE: earlier PRs here were never merged.
    association = rng.choices(("FIRST_TIME_CONTRIBUTOR", "NONE", "FIRST_TIMER"), (0.75, 0.15, 0.1))[0]
    user_id = rng.randint(10_000_000, 190_000_000)
    author = Author(login, association, rng.choice(UTC_OFFSETS), user_id, fork=True)
    repo.contributors.insert(0, dataclasses.replace(author, association="CONTRIBUTOR"))
    return author


def _count(rng: random.Random, median: float, sigma: float, cap: int) -> int:
    return max(1, min(cap, round(rng.lognormvariate(math.log(median), sigma))))


def _normal_files(repo: RepoState, kind: str, mult: float) -> list[dict]:
    rng, tree, k = repo.rng, repo.tree, repo.kind
    n = _count(rng, k.files_median * mult, k.files_sigma, 2500)
    files: list[dict] = []
    if kind == "deps":
        manifest, lock = rng.choice(tree.deps)
        dep = rng.choice(R.DEP_NAMES[k.ecosystem])
        # `go mod tidy` / `npm audit fix` legitimately change only the lockfile now and then.
        if rng.random() > 0.12:
            at = rng.randint(5, 60)
            files.append(_file(rng, manifest, "modified", 1, 1,
                               f'@@ -{at},1 +{at},1 @@\n-  "{dep}": "1.2.3"\n+  "{dep}": "1.2.4"'))
        files.append(_file(rng, lock, "modified", _count(rng, 12, 1.2, 4000), _count(rng, 10, 1.2, 4000)))
        return files
    if kind == "ci":
        path = rng.choice(tree.workflows)
        roll = rng.random()
        if roll < 0.2:  # a maintainer (or Dependabot) moving a pinned action to its next release's commit
            old_sha, new_sha = _sha_hex(rng), _sha_hex(rng)
            action = rng.choice(("actions/checkout", "actions/setup-python", "actions/cache"))
            at = rng.randint(10, 40)
            return [_file(rng, path, "modified", 1, 1, f"@@ -{at},3 +{at},3 @@\n     steps:\n"
                          f"-      - uses: {action}@{old_sha} # v4.1.0\n"
                          f"+      - uses: {action}@{new_sha} # v4.2.0\n       - run: make test")]
        if roll < 0.35:  # a maintainer adding a docs or release workflow
            name, text = rng.choice(R.LEGIT_WORKFLOWS)
            return [new_workflow(f".github/workflows/{name}", text)]
        step = rng.choice(R.LEGIT_INSTALL) if rng.random() < 0.25 else "make test"
        at = rng.randint(8, 40)
        files.append(_file(rng, path, "modified", _count(rng, 6, 0.8, 200), _count(rng, 3, 0.8, 200),
                           f"@@ -{at},0 +{at + 1},2 @@\n+      - name: Install tools\n+        run: {step}"))
        return files
    if kind == "build":
        adds, dels = _count(rng, 8, 1, 300), _count(rng, 4, 1, 300)
        files.append(_file(rng, rng.choice(tree.build), "modified", adds, dels))
    if kind == "release":
        manifest, _ = rng.choice(tree.deps)
        return [_file(rng, "CHANGELOG.md" if "CHANGELOG.md" in tree.docs else tree.docs[0], "modified",
                      _count(rng, 15, 0.8, 400), 0), _file(rng, manifest, "modified", 1, 1)]
    if kind == "fixture":
        name = f"{rng.choice(R.WORDS)}-sample.{rng.choice(('zip', 'bin', 'gz', 'png'))}"
        files.append(_file(rng, f"{tree.fixtures_dir}/{name}", "added", 0, 0, None))
    pools = {"docs": tree.docs, "test": tree.tests}.get(kind, tree.code)
    while len(files) < n:
        pool = tree.tests if kind in ("feature", "fix") and rng.random() < 0.3 else pools
        if kind == "docs" and rng.random() < 0.1:
            pool = tree.assets
        path = rng.choice(pool)
        if len(files) >= len(set(pool)):  # big PRs outgrow the hand-made tree: add new files beside old ones
            stem, _, ext = path.rpartition(".")
            path = f"{stem}_{len(files)}.{ext}"
        if any(f["filename"] == path for f in files):
            continue
        files.append(_generated(rng, path, kind, repo.kind.lines_per_file))
    return files


def _generated(rng: random.Random, path: str, kind: str, lines: float) -> dict:
    if path.endswith((".png", ".jpg", ".gif", ".ico")):
        return _file(rng, path, rng.choice(("added", "modified")), 0, 0, None)
    status = "removed" if kind == "cleanup" else rng.choices(("modified", "added", "removed", "renamed"),
                                                             (0.75, 0.18, 0.04, 0.03))[0]
    adds = 0 if status == "removed" else _count(rng, lines, 1.1, 5000)
    dels = _count(rng, lines * 2, 1.1, 5000) if status == "removed" else (
        0 if status == "added" else round(adds * rng.betavariate(1.2, 2.5) * 1.5))
    return _file(rng, path, status, adds, dels)


def _file(rng: random.Random, path: str, status: str, adds: int, dels: int, patch: str | None = "") -> dict:
    if patch == "":
        removed = "".join(f"-{_code_line(rng, path)}\n" for _ in range(min(dels, 3)))
        added = "".join(f"+{_code_line(rng, path)}\n" for _ in range(min(adds, 4)))
        start = rng.randint(1, 400)
        patch = f"@@ -{start},{dels + 3} +{start},{adds + 3} @@\n {removed}{added}".rstrip()
    item = {"sha": hashlib.sha1(f"{path}{adds}{dels}{rng.random()}".encode()).hexdigest(), "filename": path,
            "status": status, "additions": adds, "deletions": dels, "changes": adds + dels}
    if patch is not None:
        item["patch"] = patch
    return item


def _code_line(rng: random.Random, path: str) -> str:
    word = rng.choice(R.WORDS)
    if path.endswith(".py"):
        return f"    {word} = load_{word}(config)"
    if path.endswith((".ts", ".tsx", ".js")):
        return f"  const {word} = use{word.title()}(props);"
    if path.endswith(".go"):
        return f"\t{word}, err := New{word.title()}(ctx)"
    if path.endswith(".rs"):
        return f"    let {word} = {word}::new(&cfg)?;"
    return f"The {word} section explains how {rng.choice(R.WORDS)} works."


def _sha_hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(160):040x}"


def _lookalike(kind: str, files: list[dict]) -> str | None:
    """Which legitimate change that looks like an attack this normal PR is, for `prguard evaluate`."""
    if kind == "ci" and files[0].get("status") == "added":
        return "new_workflow"
    if kind == "ci" and "# v4.2.0" in (files[0].get("patch") or ""):
        return "action_sha_bump"
    if kind == "ci" and any(step in (f.get("patch") or "") for f in files for step in R.LEGIT_INSTALL):
        return "ci_installer"
    if kind == "deps" and len(files) == 1:
        return "lockfile_refresh"
    if kind == "fixture":
        return "binary_fixture"
    return None


def generate(repos: int, prs: int, seed: int = 0) -> Iterator[dict]:
    """``prs`` pull requests in total over ``repos`` repositories, the same for the same seed."""
    states = _repos(max(1, repos), seed)
    for repo, count in zip(states, _share(prs, states)):
        yield from _history(repo, count)


def _history(repo: RepoState, count: int) -> Iterator[dict]:
    rng = repo.rng
    drafts = []
    for _ in range(count):
        if rng.random() < ANOMALY_RATE:
            anomaly: Anomaly = rng.choice(ARCHETYPES)(repo, rng)
            drafts.append((anomaly.author, anomaly.kind, anomaly.files, anomaly))
            continue
        kind = rng.choices([k[0] for k in PR_KINDS], [k[1] for k in PR_KINDS])[0]
        mult = dict((k[0], k[2]) for k in PR_KINDS)[kind]
        author = _author(repo, kind)
        files = _normal_files(repo, kind, mult)
        drafts.append((author, kind, files, _lookalike(kind, files)))
    timed = sorted(((_when(rng, a), i) for i, (a, *_rest) in enumerate(drafts)), key=lambda t: t[0])
    number = rng.randint(1, 40)
    end = START + dt.timedelta(days=SPAN_DAYS + 2)  # the last day's PRs, in every time zone, are before it
    for created, i in timed:
        author, kind, files, anomaly = drafts[i]
        number += 1 + int(rng.expovariate(0.7))  # issues share the number sequence
        if isinstance(anomaly, Anomaly):
            yield pr_document(repo, rng, number, author, kind, files, created, end, anomaly)
        else:
            yield pr_document(repo, rng, number, author, kind, files, created, end, lookalike=anomaly)
