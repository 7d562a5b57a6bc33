"""Wiring for the worker: the champion watcher, GitHub (App or offline) and metrics, built from settings."""
from __future__ import annotations

import logging
from typing import Any

from app import metrics
from app.publisher import GitHubPublisher, OfflinePublisher
from app.scoring_job import Connection, JobContext
from prguard.config import Settings
from prguard.store.base import Store

log = logging.getLogger(__name__)


def github_connector(settings: Settings, store: Store, **core_options: Any):
    """``installation_id -> Connection``: the App's installation client when App credentials are set;
    otherwise offline (check runs only recorded), reading PRs with GITHUB_TOKEN when one is set."""
    from prguard.github import GitHubApp, TokenClient

    core_options.setdefault("observer", metrics.count_github_call)
    core_options.setdefault("limit_observer", metrics.count_rate_limited)
    if settings.has_app_credentials:
        # Installations' content-creating requests are paced in the store: one schedule per
        # installation however many worker processes post for it.
        core_options.setdefault("write_pacer", store.pacing.reserve)
        app = GitHubApp.from_settings(settings, **core_options)

        def connect(installation_id: int) -> Connection:
            client = app.installation(int(installation_id))
            return Connection(client, GitHubPublisher(
                store, client, in_progress_after=settings.check_run_in_progress_after_seconds))

        return connect
    log.warning("no GitHub App credentials (GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY): offline mode, "
                "check runs are recorded locally and listed by `prguard checks`, not posted")
    reader = TokenClient.from_settings(settings, **core_options) if settings.github_token else None
    offline = Connection(reader, OfflinePublisher(store))
    return lambda installation_id: offline


def champion(settings: Settings):
    """A callable returning the current champion bundle (or None), refreshed without a restart."""
    from prguard.model.registry import ChampionWatcher

    watcher = ChampionWatcher(settings)

    def current():
        bundle = watcher.current()
        metrics.set_model_version(settings.model_name, getattr(bundle, "model_version", None))
        return bundle

    return current


# Inside a job the GitHub client retries briefly; longer outages are the job queue's business (backoff
# with the lease released), so a worker never sits on one job for minutes.
JOB_RETRY_POLICY = dict(max_attempts=3, backoff_base=1.0, backoff_max=8.0)
# Connecting to GitHub takes milliseconds when it works; a longer wait is an outage, so the connect
# timeout stays short even when PRGUARD_GITHUB_TIMEOUT_SECONDS allows slow answers.
MAX_CONNECT_TIMEOUT_SECONDS = 10.0


def github_options(settings: Settings) -> dict[str, Any]:
    """The GitHub client's ``policy`` and ``timeout`` for jobs: PRGUARD_GITHUB_TIMEOUT_SECONDS,
    PRGUARD_GITHUB_WRITE_INTERVAL_SECONDS and PRGUARD_GITHUB_WRITES_PER_HOUR, with JOB_RETRY_POLICY's
    short inline retries."""
    from prguard.github import RetryPolicy

    timeout = settings.github_timeout_seconds
    policy = RetryPolicy(**JOB_RETRY_POLICY, min_write_interval=settings.github_write_interval_seconds,
                         writes_per_hour=settings.github_writes_per_hour)
    return {"policy": policy, "timeout": (min(MAX_CONNECT_TIMEOUT_SECONDS, timeout), timeout)}


def build_context(settings: Settings, store: Store, **core_options: Any) -> JobContext:
    """Everything a job needs, from configuration; ``core_options`` override the GitHub client's
    options that ``github_options`` derives from the settings."""
    from prguard.features.extraction import sensitive_files
    from prguard.github.client import write_spacing
    from prguard.profiles import ProfileCache

    core_options = {**github_options(settings), **core_options}

    def on_scored(score: dict) -> None:
        anomalous = bool(score.get("anomalous"))
        metrics.count_scored(anomalous, settings.unusual_conclusion if anomalous else "success",
                             score.get("repo"))

    def write_wait(installation_id: int) -> float:
        return store.pacing.wait(installation_id, write_spacing(settings.github_write_interval_seconds),
                                 settings.github_writes_per_hour)

    return JobContext(
        store=store,
        settings=settings,
        current_model=champion(settings),
        connect=github_connector(settings, store, **core_options),
        sensitive_files=sensitive_files,
        on_scored=on_scored,
        on_feedback=metrics.count_feedback,
        newest_profile=ProfileCache(store).lookup,
        write_wait=write_wait if settings.has_app_credentials else None,
    )
