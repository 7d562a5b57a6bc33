"""What the worker needs from its parts, as Protocols: a scorer, a GitHub reader and a check-run writer.

The production classes (prguard.model.bundle.ScorerBundle, prguard.github.GitHubClient) and the test
fakes (tests/support/worker_fakes.py) both have these shapes; tests/unit/test_contracts.py checks it.
"""
from __future__ import annotations

from typing import Any, Iterable, Protocol, runtime_checkable


@runtime_checkable
class Scorer(Protocol):
    """A champion model: scores PR documents against a repository profile."""

    model_version: str | None

    def profile_for(self, repo: str) -> Any:
        """The repository profile the model was trained with (None when it never saw the repository)."""

    def score_summaries(self, summaries: list[Any], profiles: list[Any]) -> list[dict[str, Any]]:
        """One score record per summarised PR, each against its profile, in order
        (prguard.model.bundle.ScorerBundle.score_summaries)."""


@runtime_checkable
class GitHubReader(Protocol):
    """The reads a job makes with an installation's token."""

    def get_pull_request(self, repo: str, number: int) -> dict: ...

    def list_pull_request_files(self, repo: str, number: int) -> Iterable[dict]: ...

    def get_file_text(self, repo: str, path: str, ref: str | None) -> str | None: ...

    def list_directory(self, repo: str, path: str, ref: str) -> list[dict]: ...

    def get_collaborator_permission(self, repo: str, username: str) -> dict: ...


@runtime_checkable
class CheckRunWriter(Protocol):
    """The Checks API calls app.publisher.GitHubPublisher makes."""

    def create_check_run(self, repo: str, body: dict) -> dict: ...

    def update_check_run(self, repo: str, check_run_id: int, body: dict) -> dict: ...

    def list_check_runs_for_ref(self, repo: str, sha: str, check_name: str | None = None) -> list[dict]: ...


class InstallationClient(GitHubReader, CheckRunWriter, Protocol):
    """Everything a job does with one installation's client."""
