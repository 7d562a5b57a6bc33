"""The fetch job: which repositories to fetch with which credentials; prguard.history does the fetching."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Iterable

from prguard.config import ConfigError
from prguard.github import GitHubApp, GitHubClient
from prguard.history import DEFAULT_PAGE_SIZE, FetchReport, RepositoryFetch
from prguard.store import Store
from prguard.states import InstallationStatus

log = logging.getLogger(__name__)

__all__ = ["FetchReport", "FetchUsageError", "run_fetch"]


class FetchUsageError(ValueError):
    """The fetch was asked for something the credentials cannot do; the message says what to run instead."""


def _app_repositories(app: GitHubApp, store: Store) -> Iterable[tuple[str, GitHubClient]]:
    for installation in app.list_installations():
        account = (installation.get("account") or {}).get("login", "")
        if installation.get("suspended_at"):
            store.installations.upsert(installation["id"], account, status=InstallationStatus.SUSPENDED)
            log.info("skipping suspended installation %s (%s)", installation["id"], account)
            continue
        client = app.installation(installation["id"])
        repos = [r["full_name"] for r in client.list_installation_repositories()]
        store.installations.upsert(installation["id"], account, status=InstallationStatus.ACTIVE,
                                   repositories=repos)
        for repo in repos:
            yield repo, client


def run_fetch(store: Store, *, app: GitHubApp | None = None, token_client: GitHubClient | None = None,
              repos: tuple[str, ...] = (), since: dt.datetime | None = None,
              page_size: int = DEFAULT_PAGE_SIZE, progress: bool | None = None) -> FetchReport:
    """Fetch ``repos`` (or, with App credentials, every repository of every installation) into ``store``."""
    source = app if app is not None else token_client
    if source is None:
        raise ConfigError("no GitHub credentials: set GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY, "
                          "or GITHUB_TOKEN for development")
    if app is None and not repos:
        raise FetchUsageError("with GITHUB_TOKEN, name the repositories to fetch with --repo OWNER/NAME "
                              "(listing every repository needs the App's installations)")
    start = source.requests_made
    report = FetchReport()
    if repos:
        targets: Iterable[tuple[str, GitHubClient]] = (
            (repo, app.installation(app.repository_installation(repo)["id"]) if app else token_client)
            for repo in repos)
    else:
        targets = _app_repositories(app, store)
    try:
        for repo, client in targets:
            report.repositories += 1
            RepositoryFetch(client, store, repo, report, since, page_size, progress).run()
    finally:
        report.api_requests = source.requests_made - start
    return report
