"""``prguard checks``: the check runs PRGuard recorded, newest first, marking those not posted to GitHub."""
from __future__ import annotations

import click

from prguard.configured import configured
from prguard.store import open_store
from prguard.terminal import printable

OFFLINE_MARK = "[offline, not posted]"


def format_check_run(record: dict) -> str:
    """One line per run: where, verdict, and whether GitHub has it (titles are PR-written: escaped)."""
    when = record.get("updated_at")
    stamp = when.strftime("%Y-%m-%d %H:%M:%SZ") if hasattr(when, "strftime") else str(when or "")
    state = record.get("conclusion") or record.get("status") or "?"
    where = f"{record['repo']}#{record['number']} @ {str(record['head_sha'])[:12]}"
    posted = f"posted as check run {record['check_run_id']}" if record.get("posted") else OFFLINE_MARK
    title = record.get("title") or ""
    return printable(f"{stamp}  {where}  {state:<15} {title}  {posted}")


@click.command()
@click.option("--repo", default=None, help="Only this repository (OWNER/NAME).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="How many to list.")
@configured("store")
def checks(settings, repo: str | None, limit: int) -> None:
    """List recorded check runs; in offline mode (no App credentials) they are marked as not posted."""
    store = open_store(settings)
    try:
        records = store.checks.list_runs(repo=repo, limit=limit)
    finally:
        store.close()
    if not records:
        click.echo("No check runs recorded yet" + (f" for {repo}." if repo else "."))
        return
    for record in records:
        click.echo(format_check_run(record))
