"""``prguard replay``: sign and post webhook payload files to a receiver exactly as GitHub does."""
from __future__ import annotations

import sys

import click

from prguard.config import ConfigError
from prguard.configured import NO_SECRETS, configured
from prguard.demo.replay import ReplayError, replay as replay_deliveries


@click.command()
@click.argument("path", type=click.Path(exists=True))
@click.option("--url", default="http://127.0.0.1:8000/webhooks/github", show_default=True,
              help="The receiver's webhook URL.")
@click.option("--secret", default=None, help="Webhook secret (default: GITHUB_WEBHOOK_SECRET).")
@click.option("--delivery-id", default=None,
              help="Fixed X-GitHub-Delivery for every post (a redelivery); default: a fresh uuid each.")
@click.option("--event", default=None,
              help="X-GitHub-Event for plain payload files (wrapped files carry their own).")
@configured(NO_SECRETS)
def replay(settings, path: str, url: str, secret: str | None, delivery_id: str | None,
           event: str | None) -> None:
    """Sign and POST the webhook payload file PATH (or every *.json file in directory PATH) to --url.

    A file holds either {"event": ..., "payload": {...}, "delivery_id": optional} or a plain payload
    (then give --event). Exits 1 when any delivery got no 2xx answer.
    """
    secret = secret or settings.github_webhook_secret
    if not secret:
        raise ConfigError("give --secret or set GITHUB_WEBHOOK_SECRET (the App's webhook secret)")
    try:
        results = replay_deliveries(path, url, secret, event=event, delivery_id=delivery_id)
    except ReplayError as exc:
        raise click.ClickException(str(exc)) from None
    for result in results:
        event_action = result.event + (f".{result.action}" if result.action else "")
        click.echo(f"{result.status or 'ERR'}\t{event_action}\t{result.delivery_id}\t"
                   f"{result.elapsed_ms:.1f} ms\t{result.source}\t{result.body.strip()[:200]}")
    failed = [r for r in results if not r.ok]
    if failed:
        click.echo(f"{len(failed)} of {len(results)} deliveries were not accepted", err=True)
        sys.exit(1)
