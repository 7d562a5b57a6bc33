"""Hand-written fakes for worker tests: an installation client that keeps check runs, and a scorer."""
from __future__ import annotations

import copy
import itertools
from typing import Any

from prguard.github.errors import GitHubError


class FakeInstallationClient:
    """Imitates prguard.github.GitHubClient's reads and check-run calls; ``fail`` queues exceptions per
    method name, raised (one per call) before the call takes effect, ``fail_after`` after it took effect
    (GitHub did the work, its answer was lost)."""

    def __init__(self, pulls: dict[tuple[str, int], dict] | None = None,
                 files: dict[tuple[str, int], list] | None = None,
                 contents: dict[tuple[str, str], dict[str, str]] | None = None):
        self.pulls = pulls or {}
        self.files = files or {}
        self.contents = contents or {}  # (repo, commit sha) -> {path: text}
        self.runs: dict[int, dict[str, Any]] = {}
        self.calls: list[tuple[str, Any]] = []
        self.fail: dict[str, list[Exception]] = {}
        self.fail_after: dict[str, list[Exception]] = {}
        self._ids = itertools.count(1001)
        self.roles: dict[tuple[str, str], str] = {}  # (repo, login) -> role; a login not listed is unknown (404)

    def _maybe_fail(self, method: str, queues: dict[str, list[Exception]] | None = None) -> None:
        queue = (self.fail if queues is None else queues).get(method)
        if queue:
            raise queue.pop(0)

    def get_pull_request(self, repo: str, number: int) -> dict:
        self.calls.append(("get_pull_request", (repo, number)))
        self._maybe_fail("get_pull_request")
        if (repo, number) not in self.pulls:
            raise GitHubError("GitHub answered 404 Not Found", status=404)
        return copy.deepcopy(self.pulls[(repo, number)])

    def list_pull_request_files(self, repo: str, number: int) -> list[dict]:
        self.calls.append(("list_pull_request_files", (repo, number)))
        self._maybe_fail("list_pull_request_files")
        return copy.deepcopy(self.files.get((repo, number), []))

    def get_file_text(self, repo: str, path: str, ref: str | None) -> str | None:
        # Reads of the default branch (ref None: `.github/prguard.yml`) are counted apart from the reads
        # at a commit (workflow contents), so each can be asserted and failed on its own.
        method = "get_file_text" if ref is not None else "read_default_branch"
        self.calls.append((method, (path, ref) if ref is not None else (repo, path)))
        self._maybe_fail(method)
        return self.contents.get((repo, ref), {}).get(path)

    def list_directory(self, repo: str, path: str, ref: str) -> list[dict]:
        self.calls.append(("list_directory", (path, ref)))
        tree = self.contents.get((repo, ref), {})
        return [{"type": "file", "path": p, "name": p.rsplit("/", 1)[-1]} for p in sorted(tree)
                if p.rsplit("/", 1)[0] == path]

    def create_check_run(self, repo: str, body: dict) -> dict:
        self.calls.append(("create_check_run", body))
        self._maybe_fail("create_check_run")
        run_id = next(self._ids)
        # ``writes``: the create body then every update, in order; ``updates``: the updates alone.
        self.runs[run_id] = dict(copy.deepcopy(body), id=run_id, repo=repo, updates=[], writes=[copy.deepcopy(body)],
                                 annotations=list(body.get("output", {}).get("annotations", [])))
        self._maybe_fail("create_check_run", self.fail_after)
        return {"id": run_id, **body}

    def update_check_run(self, repo: str, check_run_id: int, body: dict) -> dict:
        self.calls.append(("update_check_run", (check_run_id, body)))
        self._maybe_fail("update_check_run")
        run = self.runs[check_run_id]
        run["updates"].append(copy.deepcopy(body))
        run["writes"].append(copy.deepcopy(body))
        run["annotations"] += body.get("output", {}).get("annotations", [])
        run.update({k: v for k, v in copy.deepcopy(body).items() if k != "output"})
        if "output" in body:
            run["output"] = {k: v for k, v in body["output"].items() if k != "annotations"}
        return run

    def list_check_runs_for_ref(self, repo: str, sha: str, check_name: str | None = None) -> list[dict]:
        self.calls.append(("list_check_runs_for_ref", (sha, check_name)))
        self._maybe_fail("list_check_runs_for_ref")
        return [copy.deepcopy(r) for r in self.runs.values()
                if r["repo"] == repo and r["head_sha"] == sha and (check_name is None or r["name"] == check_name)]

    def get_collaborator_permission(self, repo: str, username: str) -> dict:
        self.calls.append(("get_collaborator_permission", (repo, username)))
        self._maybe_fail("get_collaborator_permission")
        role = self.roles.get((repo, username))
        if role is None:
            raise GitHubError("GitHub answered 404 Not Found", status=404)
        legacy = {"maintain": "write", "triage": "read"}.get(role, role)
        return {"permission": legacy, "role_name": role, "user": {"login": username}}

    def count(self, method: str) -> int:
        return sum(1 for name, _ in self.calls if name == method)


class FakeBundle:
    """A scorer: a PR is unusual when it adds more than ``limit`` lines."""

    def __init__(self, model_version: str = "3", limit: int = 100, threshold: float = 1.5):
        self.model_version = model_version
        self.limit = limit
        self.threshold = threshold

    def profile_for(self, repo: str):
        return None  # no history: the key-values table compares against global norms

    def score_summaries(self, summaries: list, profiles: list) -> list[dict]:
        # The real bundle's features move with the newest profile; this fake records what it was given.
        self.profiles_used = list(profiles)
        out = []
        for summary in summaries:
            score = summary.additions / self.limit * self.threshold
            out.append({
                "score": score, "threshold": self.threshold, "anomalous": score > self.threshold,
                "model_version": self.model_version,
                "reasons": [{"feature": "log_additions", "value": summary.additions, "typical": 12.0,
                             "contribution": 0.8,
                             "sentence": f"Adds {summary.additions} lines; PRs here typically add about 12."}],
            })
        return out
