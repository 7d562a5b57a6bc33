"""A repository's configuration: its own file, else its organisation's, else defaults; cached in the store.

The cache is one store record per repository (kind CONFIG_RECORD). A ``push`` to a default branch sets
``pushed_sha`` on that repository's record (``invalidate``); a cached configuration is used while the
``pushed_sha`` it was read under is still the newest, and, when it came from the organisation's
``.github`` repository or from the defaults, while that repository's ``pushed_sha`` has not moved either.
Comparing markers instead of deleting records keeps a push that lands during a read from being lost.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from prguard.config import Settings
from prguard.repo_config.parse import CONFIG_PATH, ConfigFileError, RepoConfig, validate
from prguard.store.onboarding import CONFIG_RECORD
from prguard.timestamps import now

REPO, ORG, DEFAULT = "repo", "org", "default"


@dataclasses.dataclass(frozen=True)
class Resolved:
    config: RepoConfig
    source: str  # REPO, ORG or DEFAULT: where the configuration in use came from
    error: dict[str, Any] | None = None  # the newest file's problem (line, key, expected, file) when invalid


def org_repository(repo: str) -> str:
    """probot's convention: an organisation's defaults live in its ``.github`` repository."""
    return f"{repo.split('/')[0]}/.github"


def _marker(store, repo: str) -> Any:
    return (store.onboarding.get_repo_record(CONFIG_RECORD, repo) or {}).get("pushed_sha")


def _fresh(record: dict[str, Any], org_marker: Any) -> bool:
    return ("read_marker" in record and record["read_marker"] == record.get("pushed_sha")
            and (record.get("source") == REPO or record.get("org_marker") == org_marker))


def _read(client, repo: str) -> tuple[str | None, str]:
    text = client.get_file_text(repo, CONFIG_PATH, None)
    if text is not None or repo.lower() == org_repository(repo).lower():
        return text, REPO if text is not None else DEFAULT
    text = client.get_file_text(org_repository(repo), CONFIG_PATH, None)
    return text, ORG if text is not None else DEFAULT


def resolve(client, store, repo: str, settings: Settings) -> Resolved:
    """The configuration for ``repo``'s next pull request. Without a client (offline) the defaults; an
    invalid file keeps the previous valid configuration (or the defaults) and reports the error."""
    if client is None:
        return Resolved(RepoConfig.from_mapping({}, settings), DEFAULT)
    record = store.onboarding.get_repo_record(CONFIG_RECORD, repo) or {}
    org = org_repository(repo)
    org_marker = _marker(store, org) if org.lower() != repo.lower() else None
    if not _fresh(record, org_marker):
        text, source = _read(client, repo)
        fields: dict[str, Any] = {"read_marker": record.get("pushed_sha"), "org_marker": org_marker,
                                  "source": source, "fetched_at": now().isoformat()}
        try:
            fields.update(config=validate(text or ""), error=None)
        except ConfigFileError as exc:
            # The previous valid configuration stays in force; its source stays what it was.
            fields.update(error=dict(exc.to_dict(), file=f"{repo if source == REPO else org}/{CONFIG_PATH}"),
                          source=source, used_source=record.get("used_source", DEFAULT))
        else:
            fields["used_source"] = source
        record = store.onboarding.save_repo_record(CONFIG_RECORD, repo, fields)
    config = RepoConfig.from_mapping(record.get("config") or {}, settings)
    return Resolved(config, record.get("used_source", DEFAULT), record.get("error"))


def invalidate(store, repo: str, head_sha: str) -> None:
    """A push moved ``repo``'s default branch to ``head_sha``: the next pull request reads the file again
    (and, for an organisation's ``.github`` repository, every repository using its defaults does)."""
    store.onboarding.save_repo_record(CONFIG_RECORD, repo, {"pushed_sha": head_sha})
