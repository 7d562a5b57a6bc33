"""``prguard worker``: run the job worker until SIGTERM/SIGINT, finishing the job in hand first."""
from __future__ import annotations

import functools
import signal
import threading

import click

from app.worker import DEFAULT_BACKOFF_SECONDS, DEFAULT_MAX_BACKOFF_SECONDS, DEFAULT_POLL_SECONDS, run_worker
from app.worker_context import build_context
from prguard.config import ConfigError, Settings
from prguard.logs import configure_logging


@click.command()
@click.option("--poll-seconds", type=float, default=DEFAULT_POLL_SECONDS, show_default=True,
              envvar="PRGUARD_WORKER_POLL_SECONDS", help="Pause between looks at an empty queue.")
@click.option("--backoff-seconds", type=float, default=DEFAULT_BACKOFF_SECONDS, show_default=True,
              envvar="PRGUARD_JOB_BACKOFF_SECONDS",
              help="First retry delay of a failed job; doubles per attempt.")
@click.option("--max-backoff-seconds", type=float, default=DEFAULT_MAX_BACKOFF_SECONDS, show_default=True,
              envvar="PRGUARD_JOB_MAX_BACKOFF_SECONDS", help="Upper bound of a retry delay.")
@click.option("--github-timeout", type=float, default=30.0, show_default=True,
              envvar="PRGUARD_GITHUB_TIMEOUT_SECONDS", help="Seconds to wait for one GitHub API answer.")
def worker(poll_seconds: float, backoff_seconds: float, max_backoff_seconds: float,
           github_timeout: float) -> None:
    """Turn queued webhook jobs into check runs (scores PRs with the champion model)."""
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    configure_logging(settings.log_level, settings.log_format)
    stop = threading.Event()

    def request_stop(signum, frame) -> None:
        # Finish the job in hand (its lease would otherwise have to expire first), then exit.
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    context_factory = functools.partial(build_context, timeout=(min(10.0, github_timeout), github_timeout))
    run_worker(settings, stop, context_factory=context_factory, poll_seconds=poll_seconds,
               backoff_base=backoff_seconds, backoff_cap=max_backoff_seconds)
