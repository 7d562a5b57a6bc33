"""`prguard demo-data`: write synthetic GitHub pull requests as JSON lines."""
from __future__ import annotations

import json

import click


@click.command("demo-data")
@click.option("--repos", type=click.IntRange(min=1), default=6, show_default=True,
              help="Number of repositories (each kind of repository has its own norms).")
@click.option("--prs", type=click.IntRange(min=0), default=3000, show_default=True,
              help="Total number of pull requests, split across the repositories by activity.")
@click.option("--out", type=click.File("w", encoding="utf-8"), default="-", show_default=True,
              help="Output file of JSON lines ('-' for stdout).")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same data.")
def demo_data(repos: int, prs: int, out, seed: int) -> None:
    """Write realistic synthetic PRs with ~1.5% labelled anomalies (field `prguard_label`)."""
    from prguard.demo.generator import generate

    anomalies = 0
    for count, doc in enumerate(generate(repos, prs, seed), start=1):
        out.write(json.dumps(doc, separators=(",", ":")) + "\n")
        anomalies += doc["prguard_label"]["anomaly"]
        if count % 5000 == 0:
            click.echo(f"... {count} pull requests written", err=True)
    where = "stdout" if out.name == "<stdout>" else out.name
    click.echo(f"wrote {prs} pull requests ({anomalies} labelled anomalies) in {repos} repositories "
               f"to {where}", err=True)
