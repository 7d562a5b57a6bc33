"""The fake GitHub's in-memory world: installations, repositories, pull requests, files, check runs, tokens."""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import secrets
import threading
import time
from typing import Any

BASE_TIME = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def fake_sha(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()


class FakeState:
    """Everything the fake server knows; every method takes the lock, so handlers may run in threads."""

    def __init__(self, app_id: int, token_ttl: float):
        self.lock = threading.RLock()
        self.app_id = app_id
        self.token_ttl = token_ttl
        self.installations: dict[int, dict] = {}
        self.repos: dict[str, dict] = {}          # lower full name -> repo
        self.pulls: dict[str, dict[int, dict]] = {}
        self.files: dict[tuple[str, int], list[dict]] = {}
        self.check_runs: list[dict] = []
        self.contents: dict[tuple[str, str], dict[str, str]] = {}  # (lower repo, commit sha) -> {path: text}
        self.tokens: dict[str, dict] = {}         # installation token -> {installation_id, expires_at}
        self.personal_tokens: set[str] = set()
        self.roles: dict[tuple[str, str], str] = {}  # (lower repo, lower login) -> repository role
        self._ids = itertools.count(1000)
        self._tick = itertools.count(1)

    def next_id(self) -> int:
        return next(self._ids)

    def next_time(self) -> str:
        """A strictly later timestamp on each call (one minute apart), so update order is unambiguous."""
        return iso(BASE_TIME + dt.timedelta(minutes=next(self._tick)))

    # ---- setup -----------------------------------------------------------------------------------
    def add_installation(self, installation_id: int, account: str, repos: list[str]) -> dict:
        with self.lock:
            inst = {"id": installation_id, "app_id": self.app_id, "target_type": "Organization",
                    "account": {"login": account, "id": self.next_id(), "type": "Organization"},
                    "repository_selection": "selected", "permissions": {"checks": "write",
                                                                        "pull_requests": "read",
                                                                        "contents": "read",
                                                                        "metadata": "read"},
                    "events": ["pull_request", "check_suite", "check_run"], "suspended_at": None,
                    "created_at": iso(BASE_TIME), "updated_at": iso(BASE_TIME), "repositories": []}
            self.installations[installation_id] = inst
            for repo in repos:
                self.add_repo(repo, installation_id)
            return inst

    def add_repo(self, full_name: str, installation_id: int | None = None, default_branch: str = "main") -> dict:
        with self.lock:
            owner, name = full_name.split("/")
            repo = self.repos.get(full_name.lower())
            if repo is None:
                repo = {"id": self.next_id(), "node_id": f"R_{full_name}", "name": name, "full_name": full_name,
                        "private": False, "owner": {"login": owner, "id": self.next_id(), "type": "Organization"},
                        "default_branch": default_branch, "html_url": f"https://github.com/{full_name}"}
                self.repos[full_name.lower()] = repo
                self.pulls[full_name.lower()] = {}
            if installation_id is not None:
                repos = self.installations[installation_id]["repositories"]
                if full_name.lower() not in (r.lower() for r in repos):
                    repos.append(full_name)
            return repo

    def add_pull(self, repo: str, number: int | None = None, *, title: str = "Change", body: str | None = None,
                 user: str = "octocat", user_type: str = "User", author_association: str = "CONTRIBUTOR",
                 state: str = "open", merged: bool = False, draft: bool = False, labels: tuple = (),
                 commits: int = 1, files: list[dict] | None = None, head_sha: str | None = None,
                 head_ref: str = "feature", head_repo: str | None = None, updated_at: str | None = None,
                 created_at: str | None = None) -> dict:
        with self.lock:
            base = self.repos[repo.lower()]
            pulls = self.pulls[repo.lower()]
            number = number or (max(pulls) + 1 if pulls else 1)
            stamp = updated_at or self.next_time()
            files = [self._file(f) for f in (files or [{"filename": "README.md"}])]
            head_name = head_repo or base["full_name"]
            pr = {
                "url": f"https://api.github.com/repos/{base['full_name']}/pulls/{number}",
                "id": self.next_id(), "node_id": f"PR_{base['full_name']}_{number}",
                "html_url": f"https://github.com/{base['full_name']}/pull/{number}",
                "number": number, "state": state, "locked": False, "title": title, "body": body,
                "user": {"login": user, "id": self.next_id(), "type": user_type},
                "labels": [{"name": name} for name in labels],
                "created_at": created_at or stamp, "updated_at": stamp,
                "closed_at": stamp if state == "closed" else None,
                "merged_at": stamp if merged else None,
                "draft": draft, "merged": merged, "author_association": author_association,
                "head": {"ref": head_ref, "sha": head_sha or fake_sha(repo, number, stamp),
                         "label": f"{head_name.split('/')[0]}:{head_ref}",
                         "repo": {"full_name": head_name, "default_branch": base["default_branch"]}},
                "base": {"ref": base["default_branch"], "sha": fake_sha(repo, "base", number),
                         "label": f"{base['owner']['login']}:{base['default_branch']}",
                         "repo": {"full_name": base["full_name"], "default_branch": base["default_branch"]}},
                "commits": commits, "comments": 0, "review_comments": 0,
            }
            pulls[number] = pr
            self.files[(repo.lower(), number)] = files
            self._sizes(pr, files)
            return pr

    def set_contents(self, repo: str, sha: str, files: dict[str, str]) -> None:
        """The repository's files at commit ``sha`` (what "Get repository content" serves for that ref)."""
        with self.lock:
            self.contents[(repo.lower(), sha)] = dict(files)

    @staticmethod
    def _file(spec: dict) -> dict:
        additions, deletions = int(spec.get("additions", 1)), int(spec.get("deletions", 0))
        file = {"sha": fake_sha(spec["filename"]), "filename": spec["filename"],
                "status": spec.get("status", "modified"), "additions": additions, "deletions": deletions,
                "changes": additions + deletions}
        for optional in ("patch", "previous_filename"):  # GitHub leaves them out when there are none
            if spec.get(optional) is not None:
                file[optional] = spec[optional]
        return file

    @staticmethod
    def _sizes(pr: dict, files: list[dict]) -> None:
        pr["additions"] = sum(f["additions"] for f in files)
        pr["deletions"] = sum(f["deletions"] for f in files)
        pr["changed_files"] = len(files)

    def update_pull(self, repo: str, number: int, files: list[dict] | None = None, **changes: Any) -> dict:
        """Apply ``changes`` (REST field names; ``head_sha`` moves the head) and bump ``updated_at``."""
        with self.lock:
            pr = self.pulls[repo.lower()][number]
            if "head_sha" in changes:
                pr["head"]["sha"] = changes.pop("head_sha")
            pr.update(changes)
            if files is not None:
                self.files[(repo.lower(), number)] = [self._file(f) for f in files]
                self._sizes(pr, self.files[(repo.lower(), number)])
            pr["updated_at"] = changes.get("updated_at") or self.next_time()
            return pr

    def set_role(self, repo: str, login: str, role: str) -> None:
        """Give ``login`` a repository role: admin, maintain, write, triage, read or none."""
        with self.lock:
            self.roles[(repo.lower(), login.lower())] = role

    def role(self, repo: str, login: str) -> str:
        """A user's role; one never given a role can read (the fake's repositories are public)."""
        with self.lock:
            return self.roles.get((repo.lower(), login.lower()), "read")

    # ---- tokens ----------------------------------------------------------------------------------
    def mint_token(self, installation_id: int) -> dict:
        with self.lock:
            token = "ghs_" + secrets.token_hex(18)
            expires = time.time() + self.token_ttl
            self.tokens[token] = {"installation_id": installation_id, "expires_at": expires}
            return {"token": token, "expires_at": iso(dt.datetime.fromtimestamp(expires, dt.timezone.utc)),
                    "permissions": self.installations[installation_id]["permissions"],
                    "repository_selection": "selected"}

    def revoke_tokens(self) -> None:
        """Every installation token issued so far stops working (as if it had expired)."""
        with self.lock:
            self.tokens.clear()

    def token_installation(self, token: str) -> int | None:
        with self.lock:
            entry = self.tokens.get(token)
            if entry is None or entry["expires_at"] <= time.time():
                return None
            return entry["installation_id"]

    def can_see(self, auth: tuple[str, int | None], repo: str) -> bool:
        with self.lock:
            if repo.lower() not in self.repos:
                return False
            if auth[0] == "personal":
                return True
            if auth[0] != "installation":
                return False
            inst = self.installations.get(auth[1])
            return bool(inst) and repo.lower() in (r.lower() for r in inst["repositories"])

    def installation_for_repo(self, repo: str) -> dict | None:
        with self.lock:
            for inst in self.installations.values():
                if repo.lower() in (r.lower() for r in inst["repositories"]):
                    return inst
            return None
