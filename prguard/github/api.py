"""The GitHub API calls PRGuard makes on behalf of one installation (or a plain token)."""
from __future__ import annotations

import base64
import binascii
import re
import urllib.parse
from typing import Any
from urllib.parse import quote

from prguard import validation
from prguard.github.auth import StaticToken
from prguard.limits import PULL_REQUEST_MAX_FILES
from prguard.github.client import Credential, HttpCore
from prguard.github.errors import GitHubError
from prguard.github.queries import PULL_REQUEST_PAGE

MAX_PULL_REQUEST_FILES = PULL_REQUEST_MAX_FILES
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_REF = re.compile(r"^[A-Za-z0-9_./-]{1,255}$")


def content_path(path: str) -> str:
    """A repository file path as a URL path: slashes kept (as GitHub routes them), everything else
    percent-encoded; empty, ``.`` and ``..`` segments refused, so a file name from a PR can never
    address another API endpoint."""
    parts = path.split("/") if isinstance(path, str) else [""]
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"not a repository file path: {path!r}")
    return "/".join(urllib.parse.quote(part, safe="") for part in parts)


def split_repo(repo: str) -> tuple[str, str]:
    """``owner/name`` as its two parts; anything else is a usage error, never a URL fragment."""
    try:
        validation.full_name(repo, "repository")
    except ValueError:
        raise ValueError(f"repository must look like OWNER/NAME, got {repo!r}") from None
    owner, name = repo.split("/")
    return owner, name


class GitHubClient:
    """REST and GraphQL calls authenticated by one credential, over the shared HttpCore."""

    def __init__(self, core: HttpCore, credential: Credential):
        self.core = core
        self.credential = credential

    @property
    def requests_made(self) -> int:
        return self.core.requests_made

    def close(self) -> None:
        self.core.close()

    def _get(self, path: str, **params) -> Any:
        return self.core.json("GET", path, self.credential, params=params or None)

    # ---- pull requests ---------------------------------------------------------------------------
    def get_pull_request(self, repo: str, number: int) -> dict:
        split_repo(repo)
        return self._get(f"/repos/{repo}/pulls/{int(number)}")

    def list_pull_request_files(self, repo: str, number: int,
                                max_files: int = MAX_PULL_REQUEST_FILES) -> list[dict]:
        split_repo(repo)
        return list(self.core.paginate(f"/repos/{repo}/pulls/{int(number)}/files", self.credential,
                                       max_items=min(max_files, MAX_PULL_REQUEST_FILES)))

    # ---- repository contents -------------------------------------------------------------------
    def _contents(self, repo: str, path: str, ref: str | None) -> Any:
        split_repo(repo)
        if ref is not None and (not isinstance(ref, str) or not _REF.match(ref) or ".." in ref):
            raise ValueError(f"not a git ref: {ref!r}")
        try:
            # Without a ref GitHub reads the repository's default branch.
            return self._get(f"/repos/{repo}/contents/{content_path(path)}", **({"ref": ref} if ref else {}))
        except GitHubError as exc:
            if exc.status == 404:
                return None  # not in this commit
            raise

    def get_file_text(self, repo: str, path: str, ref: str | None) -> str | None:
        """The text of ``path`` at commit ``ref`` (None: the default branch's head) ("Get repository
        content"); None when the commit has no
        such file, it is a directory or symlink, too large for the API to inline (over 1 MB), or not UTF-8."""
        item = self._contents(repo, path, ref)
        if not isinstance(item, dict) or item.get("type") != "file" or item.get("encoding") != "base64":
            return None
        try:
            return base64.b64decode(item.get("content") or "").decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None

    def list_directory(self, repo: str, path: str, ref: str) -> list[dict]:
        """The entries (``name``, ``path``, ``type``...) of directory ``path`` at ``ref``; [] when absent."""
        items = self._contents(repo, path, ref)
        return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []

    def pull_request_page_and_budget(self, repo: str, first: int,
                                     after: str | None = None) -> tuple[dict, dict | None]:
        """One GraphQL page of PRs, newest ``updatedAt`` first: the ``repository`` object of the answer,
        and the answer's ``rateLimit`` (``cost``, ``remaining``, ``resetAt``)."""
        owner, name = split_repo(repo)
        data = self.core.graphql(PULL_REQUEST_PAGE, {"owner": owner, "name": name, "first": first,
                                                     "after": after}, self.credential)
        return data.get("repository") or {}, data.get("rateLimit")

    # ---- check runs ------------------------------------------------------------------------------
    def create_check_run(self, repo: str, body: dict) -> dict:
        """Create a check run. If the POST times out or gets a 5xx, it may have been applied anyway, so
        before re-sending we look for a run with the same ``external_id`` on the head SHA and return it."""
        split_repo(repo)
        found: dict[str, dict] = {}

        def already_created() -> bool:
            if not body.get("external_id"):
                return False
            for run in self.list_check_runs_for_ref(repo, body["head_sha"], body.get("name")):
                if run.get("external_id") == body["external_id"]:
                    found["run"] = run
                    return True
            return False

        created = self.core.json("POST", f"/repos/{repo}/check-runs", self.credential, json=body,
                                 already_done=already_created)
        return found["run"] if created is None else created

    def update_check_run(self, repo: str, check_run_id: int, body: dict) -> dict:
        split_repo(repo)
        return self.core.json("PATCH", f"/repos/{repo}/check-runs/{int(check_run_id)}", self.credential,
                              json=body)

    def list_check_runs_for_ref(self, repo: str, sha: str, check_name: str | None = None) -> list[dict]:
        split_repo(repo)
        validation.sha(sha, "head_sha")  # it goes into the path: never '../..' or a '#'
        params: dict[str, Any] = {"filter": "all"}
        if check_name:
            params["check_name"] = check_name
        return list(self.core.paginate(f"/repos/{repo}/commits/{sha}/check-runs", self.credential,
                                       params=params, item_key="check_runs"))

    # ---- collaborators ---------------------------------------------------------------------------
    def get_collaborator_permission(self, repo: str, username: str) -> dict:
        """``{permission, role_name, user}`` of ``username`` on ``repo``; covered by the metadata
        permission. A user without access is a 404 (GitHubError)."""
        split_repo(repo)
        return self._get(f"/repos/{repo}/collaborators/{quote(username, safe='')}/permission")

    # ---- installation ----------------------------------------------------------------------------
    def list_installation_repositories(self) -> list[dict]:
        return list(self.core.paginate("/installation/repositories", self.credential,
                                       item_key="repositories"))


class TokenClient(GitHubClient):
    """A client authenticated with a personal or Actions token (GITHUB_TOKEN), for development."""

    def __init__(self, token: str, api_url: str, **core_options):
        super().__init__(HttpCore(api_url, **core_options), StaticToken(token))

    @classmethod
    def from_settings(cls, settings, **core_options) -> "TokenClient":
        if not settings.github_token:
            raise ValueError("GITHUB_TOKEN is not set")
        return cls(settings.github_token, settings.github_api_url, **core_options)
