"""`prguard fetch`: pull request history from GitHub into the store."""
from __future__ import annotations


import click

from prguard.configured import configured
from prguard.logs import configure_logging
from prguard.store import open_store


@click.command()
@click.option("--repo", "repos", multiple=True, metavar="OWNER/NAME",
              help="Repository to fetch (repeatable). Default: every repository of every App installation.")
@click.option("--since", metavar="DATE", default=None,
              help="Only PRs updated at or after DATE (2024-01-31 or an ISO 8601 time): limits a backfill.")
@click.option("--page-size", type=click.IntRange(10, 100), default=50, show_default=True,
              help="PRs per GraphQL page (each brings up to 100 files).")
@click.option("--max-wait", type=click.FloatRange(min=0), default=3600.0, show_default=True,
              help="Longest total wait, in seconds, for one API call held up by GitHub's rate limits.")
@configured("fetch")
def fetch(settings, repos, since, page_size, max_wait):
    """Fetch pull requests (open and closed) with their files, incrementally and resumably."""
    from batch.fetch import FetchUsageError, run_fetch
    from prguard import timestamps
    from prguard.github import GitHubApp, GitHubError, RetryPolicy, TokenClient

    configure_logging(settings.log_level, settings.log_format)
    try:
        since_time = timestamps.parse(since) if since else None
    except ValueError:
        raise click.BadParameter(f"{since!r} is not a date like 2024-01-31", param_hint="--since") from None
    if any(len(r.split("/")) != 2 or not all(r.split("/")) for r in repos):
        raise click.BadParameter("use OWNER/NAME, for example octo-org/octo-repo", param_hint="--repo")
    policy = RetryPolicy(max_wait=max_wait)
    app = GitHubApp.from_settings(settings, policy=policy) if settings.has_app_credentials else None
    token_client = None
    if app is None and settings.github_token:
        token_client = TokenClient.from_settings(settings, policy=policy)
    store = open_store(settings)
    try:
        report = run_fetch(store, app=app, token_client=token_client, repos=tuple(repos), since=since_time,
                           page_size=page_size)
    except FetchUsageError as exc:
        raise click.UsageError(str(exc)) from None
    except GitHubError as exc:
        raise click.ClickException(f"{exc} (progress so far is saved; run the same command again to resume)")
    finally:
        store.close()
        for client in (app, token_client):
            if client is not None:
                client.close()
    click.echo(f"fetched: {report.summary()}")
