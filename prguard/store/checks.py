"""The checks port: each head commit's latest score and the record of its check run."""
from __future__ import annotations

import abc
from typing import Any


class Checks(abc.ABC):
    """Scores and check-run records as both adapters keep them (``store.checks``), one of each per
    (repository, head SHA)."""

    @abc.abstractmethod
    def save_score(self, record: dict[str, Any]) -> None:
        """Keep the latest score per (repo, head_sha): ``{repo, number, head_sha, score, threshold,
        anomalous, model_version, reasons, scored_at}``. ``scored_at`` defaults to now. Times come
        back as tz-aware UTC truncated to milliseconds (MongoDB's resolution)."""

    @abc.abstractmethod
    def get_score(self, repo: str, head_sha: str) -> dict[str, Any] | None:
        ...

    @abc.abstractmethod
    def save_run(self, record: dict[str, Any]) -> None:
        """Upsert the check-run record keyed by (repo, head_sha): ``{repo, number, head_sha,
        external_id, check_run_id, status, conclusion, title, summary, text, annotations, posted,
        model_version, updated_at}``. ``posted`` is False in offline mode. Fields given replace the
        stored ones, fields left out are kept (so a later "completed" update keeps check_run_id);
        ``updated_at`` defaults to now."""

    @abc.abstractmethod
    def get_run(self, repo: str, head_sha: str) -> dict[str, Any] | None:
        ...

    @abc.abstractmethod
    def list_runs(self, repo: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Check-run records (of one repository when given), newest first."""
