"""``prguard status`` and ``prguard feedback``: what a platform engineer looks at when asked "why did PRGuard
say this?" -- per repository history, profile, model, backfill and recent runs; the honoured feedback."""
from __future__ import annotations

import datetime as dt
import click

from prguard.configured import configured
from prguard.store import open_store
from prguard.store.base import utcnow
from prguard.store.onboarding import BACKFILL_RECORD
from prguard.terminal import printable
from prguard.states import FeedbackLabel

RECENT_RUNS = 3


def _stamp(when) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%SZ") if isinstance(when, dt.datetime) else str(when or "-")


def _age(when, now: dt.datetime) -> str:
    if not isinstance(when, dt.datetime):
        return "-"
    seconds = max(0, int((now - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _backfill_line(record: dict | None) -> str:
    if record is None:
        return "none"
    total = record.get("total")
    of = total if total is not None else "?"
    line = (f"{record.get('state')}: {record.get('pull_requests') or 0} of {of} PRs, "
            f"{record.get('api_requests') or 0} API requests")
    if record.get("last_error"):
        line += f", last error: {record['last_error']}"
    return line


def repository_status(store, repo: str, now: dt.datetime) -> list[str]:
    """The lines ``prguard status`` prints for one repository."""
    profile = store.onboarding.get_profile(repo)
    runs = store.checks.list_runs(repo=repo, limit=RECENT_RUNS)
    lines = [repo, f"  history:  {store.prs.count(repo)} pull requests stored"]
    if profile is None:
        lines.append("  profile:  none (scored against the model's snapshot or general norms)")
    else:
        lines.append(f"  profile:  version {profile['version']} from {profile['source']}, "
                     f"{profile['pr_count']} PRs, {_age(profile['created_at'], now)} old")
    model = next((run.get("model_version") for run in runs if run.get("model_version")), None)
    lines.append(f"  model:    {'version ' + str(model) if model else 'no scored check run yet'}")
    lines.append(f"  backfill: {_backfill_line(store.onboarding.get_repo_record(BACKFILL_RECORD, repo))}")
    for run in runs:
        state = run.get("conclusion") or run.get("status")
        lines.append(f"  run:      {_stamp(run.get('updated_at'))}  #{run.get('number')} @ "
                     f"{str(run.get('head_sha'))[:12]}  {state}  {run.get('title') or ''}")
    return lines


def known_repositories(store) -> list[str]:
    names = {r.lower(): r for r in store.prs.repositories()}
    for record in [*store.onboarding.list_profiles(), *store.onboarding.list_repo_records(BACKFILL_RECORD)]:
        names.setdefault(record["repo"].lower(), record["repo"])
    return [names[key] for key in sorted(names)]


@click.command()
@click.option("--repo", default=None, help="Only this repository (OWNER/NAME).")
@configured("store")
def status(settings, repo: str | None) -> None:
    """Per repository: history size, profile version and age, model version, backfill, last check runs."""
    store = open_store(settings)
    try:
        repos = [repo] if repo else known_repositories(store)
        if not repos:
            click.echo("No repositories known yet: install the App or run `prguard fetch`.")
            return
        now = utcnow()
        for name in repos:
            # Titles, logins and errors are written by PR authors or servers: one escaped line each.
            click.echo("\n".join(printable(line) for line in repository_status(store, name, now)))
    finally:
        store.close()


@click.command()
@click.option("--repo", default=None, help="Only this repository (OWNER/NAME).")
@configured("store")
def feedback(settings, repo: str | None) -> None:
    """The honoured "Mark as expected" labels: who, when, PR, head SHA and what was accepted."""
    store = open_store(settings)
    try:
        records = [f for f in store.feedback.list(repo) if f["label"] == FeedbackLabel.EXPECTED]
        if not records:
            click.echo("No pull request was marked as expected" + (f" in {repo}." if repo else "."))
            return
        for record in records:
            score = store.checks.get_score(record["repo"], record["head_sha"]) or {}
            accepted = [f.get("rule_id") for f in score.get("findings") or [] if f.get("rule_id")]
            reasons = [r.get("feature") for r in score.get("reasons") or []]
            if accepted:
                what = f"findings {', '.join(accepted)}"
            else:
                what = "not scored"
                if "score" in score:
                    what = f"score {score['score']:.3g} ({', '.join(reasons)})"
            click.echo(printable(f"{_stamp(record['created_at'])}  {record['repo']}#{record['number']} @ "
                                 f"{record['head_sha'][:12]}  by {record.get('user') or 'unknown'}  "
                                 f"accepted: {what}"))
    finally:
        store.close()
