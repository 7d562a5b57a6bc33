"""`prguard import`: load GitHub pull request JSON lines into the configured store."""
from __future__ import annotations


import click

from prguard.configured import configured
from prguard.terminal import printable

# More than this many bad lines are summarised, so a wrong file does not flood the terminal.
MAX_ERRORS_SHOWN = 50


@click.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@configured("store")
def import_prs(settings, file) -> None:
    """Upsert PR documents from FILE, one JSON object per line ('-' for stdin).

    Each line is a GitHub REST pull request object, optionally with a `files` array. Bad lines are
    reported with their line number and skipped; the exit code is 1 if any line failed.
    """
    from prguard.data.importer import import_lines
    from prguard.store import open_store

    store = open_store(settings)
    try:
        report = import_lines(store, file,
                              progress=lambda r: click.echo(f"... {r.summary()}", err=True), every=5000)
    finally:
        store.close()
    source = "stdin" if file.name == "<stdin>" else file.name
    for line_no, message in report.errors[:MAX_ERRORS_SHOWN]:
        click.echo(printable(f"{source}:{line_no}: {message}"), err=True)
    if len(report.errors) > MAX_ERRORS_SHOWN:
        click.echo(f"... and {len(report.errors) - MAX_ERRORS_SHOWN} more bad lines", err=True)
    click.echo(report.summary())
    if report.errors:
        raise SystemExit(1)
