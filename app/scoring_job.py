"""One job, start to finish: score a PR at a head SHA and publish its check run, or mark it as expected."""
from __future__ import annotations

import dataclasses
import logging
from typing import Any, Callable

from app import feedback, jobs
from app.backfill_job import backfill_repository
from app.check_runs import external_id, render_marked_expected, render_no_model, render_score
from app.config_output import render_skipped, with_config_error
from app.contracts import GitHubReader, InstallationClient, Scorer
from app.publisher import Publisher
from app.workflow_contents import with_workflow_contents
from prguard import findings as findings_engine
from prguard.config import Settings
from prguard.findings.assessment import assess
from prguard.features.key_values import key_values
from prguard.features.summary import Summary, summarize
from prguard.limits import PULL_REQUEST_MAX_FILES
from prguard.profiles.learning import HistoryNote
from prguard.repo_config.apply import author, judged_score, without_disabled, without_ignored
from prguard.repo_config.resolve import resolve
from prguard.store.base import Job, Store, utcnow
from prguard.states import INACTIVE_INSTALLATIONS

log = logging.getLogger(__name__)

MAX_FILES = PULL_REQUEST_MAX_FILES

# Outcomes a job can end with; all of them complete the job (errors raise instead and are retried).
POSTED = "posted"
ALREADY_DONE = "already_done"
SUPERSEDED = "superseded"
CLOSED = "closed"
INSTALLATION_INACTIVE = "installation_inactive"
UNKNOWN_PR = "unknown_pr"
SKIPPED = "skipped"
MARKED_EXPECTED = "marked_expected"
FEEDBACK_REFUSED = "feedback_refused"
FEEDBACK_ACCEPTED = "accepted"


@dataclasses.dataclass(frozen=True)
class Connection:
    """A job's view of GitHub for one installation: a client to read with (None offline) and where
    its check run goes."""

    client: InstallationClient | None
    publisher: Publisher


@dataclasses.dataclass
class JobContext:
    """What handling a job needs, passed in so tests can hand in fakes."""

    store: Store
    settings: Settings
    current_model: Callable[[], Scorer | None]  # the watcher follows the champion alias
    connect: Callable[[int], Connection]
    sensitive_files: Callable[[Summary], list[tuple[str, str]]]  # prguard.features.extraction.sensitive_files
    on_scored: Callable[[dict], None] = lambda score: None  # metrics hook (flagged PRs, model version)
    # metrics hook: a "Mark as expected" press was accepted or refused (app.feedback.REFUSALS)
    on_feedback: Callable[[str], None] = lambda outcome: None
    # repo -> (newest stored profile, its version) or (None, None): prguard.profiles.ProfileCache.lookup
    newest_profile: Callable[[str], tuple[Any, int | None]] = lambda repo: (None, None)
    # PR document (with files and workflow contents) -> findings: PRGuard's rules and zizmor, offline
    check_findings: Callable[[dict], findings_engine.Report] = findings_engine.check
    # installation id -> seconds until its next content-creating request may go (the store's pacing,
    # nothing reserved); None when nothing is posted to GitHub (offline)
    write_wait: Callable[[int], float] | None = None


def _head_sha(doc: dict[str, Any] | None) -> str | None:
    return ((doc or {}).get("head") or {}).get("sha")


def _installation_active(store: Store, installation_id: int) -> bool:
    installation = store.installations.get(installation_id)
    return installation is None or installation.get("status") not in INACTIVE_INSTALLATIONS


def _fresh_pull_request(ctx: JobContext, client: GitHubReader, repo: str,
                        number: int) -> dict[str, Any] | None:
    doc = client.get_pull_request(repo, number)
    if doc is None:
        return None
    ctx.store.prs.upsert(doc)
    return ctx.store.prs.get(repo, number) or doc


def load_pull_request(ctx: JobContext, client: GitHubReader | None, repo: str, number: int,
                      head_sha: str) -> dict | None:
    """The PR as stored; from the API when the store lacks it or shows another head SHA (the store
    may lag behind a check_suite event, so only GitHub can say the job's SHA was superseded)."""
    doc = ctx.store.prs.get(repo, number)
    if client is not None and (doc is None or _head_sha(doc) != head_sha):
        doc = _fresh_pull_request(ctx, client, repo, number)
    return doc


def with_files(ctx: JobContext, client: GitHubReader | None, doc: dict[str, Any], repo: str, number: int,
               head_sha: str) -> dict[str, Any]:
    """The PR with its changed files, fetched (all pages, up to 3000) and stored once per head SHA."""
    if doc.get("files") is not None or client is None:
        return doc  # offline without a token, files stay unknown: the features tell unknown from zero
    files = list(client.list_pull_request_files(repo, number))[:MAX_FILES]
    ctx.store.prs.set_files(repo, number, head_sha, files)
    return dict(doc, files=files)


def _expected_by(store: Store, repo: str, head_sha: str) -> dict[str, Any] | None:
    for record in store.feedback.list(repo):
        if record.get("head_sha") == head_sha and record.get("label") == jobs.EXPECTED_LABEL:
            return record
    return None


def _keys(found: list[dict[str, Any]]) -> list[str]:
    return [f["key"] for f in found if f.get("key")]


def score_pull_request(ctx: JobContext, job: Job) -> str:
    """Handle a ``score_pull_request`` job; returns its outcome. Raises on errors worth a retry."""
    p = jobs.decode(job.kind, job.payload)
    repo, number, head_sha, force = p.repo, p.number, p.head_sha, p.force
    context = {"repo": repo, "pr": number, "head_sha": head_sha, "delivery_id": p.delivery_id,
               "job_id": job.id}
    if not _installation_active(ctx.store, p.installation_id):
        log.info("installation is deleted or suspended; not posting", extra=context)
        return INSTALLATION_INACTIVE
    existing = ctx.store.checks.get_run(repo, head_sha)
    connection = ctx.connect(p.installation_id)
    if (existing and existing.get("status") == "completed" and not force
            and bool(existing.get("posted")) == connection.publisher.posted):
        log.info("check run already completed for this head SHA", extra=context)
        return ALREADY_DONE
    doc = load_pull_request(ctx, connection.client, repo, number, head_sha)
    if doc is None:
        log.warning("pull request is unknown to the store and cannot be fetched", extra=context)
        return UNKNOWN_PR
    if _head_sha(doc) != head_sha:
        log.info("head SHA superseded by %s; not posting", _head_sha(doc), extra=context)
        return SUPERSEDED
    if doc.get("state") == "closed" and not force:
        log.info("pull request is closed; not posting", extra=context)
        return CLOSED
    publisher = connection.publisher
    record = publisher.start(repo, number, head_sha)
    resolved = resolve(connection.client, ctx.store, repo, ctx.settings)
    config = resolved.config
    if config.skips(author(doc)):
        skipped = render_skipped(repo, head_sha, author(doc))
        publisher.complete(record, with_config_error(skipped, resolved.error))
        log.info("author is in skip_authors; not judged", extra=context)
        return SKIPPED
    doc = without_ignored(with_files(ctx, connection.client, doc, repo, number, head_sha), config)
    # The slow steps are GitHub's: after each, a job past PRGUARD_CHECK_RUN_IN_PROGRESS_AFTER_SECONDS
    # shows its run in progress; a quick one creates the run completed, in one request.
    record = publisher.progress(record)
    summary = summarize(doc)  # read once: the sensitive files, the score and its key values all use it
    sensitive = ctx.sensitive_files(summary)
    report = without_disabled(ctx.check_findings(with_workflow_contents(connection.client, doc, repo)),
                              config)
    record = publisher.progress(record)
    severity = findings_engine.Severity.parse(config.finding_severity)
    model = ctx.current_model()
    if model is None:
        output = render_no_model(repo, head_sha, sensitive, report.findings, severity,
                                 config.unusual_conclusion, report.notes)
        assessed = assess(None, report, severity)
        ctx.store.checks.save_score({"repo": repo, "number": number, "head_sha": head_sha, **assessed,
                                     "scored_at": utcnow()})
    else:
        newest, version = ctx.newest_profile(repo)
        profile = newest if newest is not None else model.profile_for(repo)
        score = {"repo": repo, "number": number, "head_sha": head_sha,
                 **model.score_summaries([summary], [profile])[0]}
        score = judged_score(score, config, author(doc))
        history = HistoryNote.of(profile, version, ctx.store.prs.count(repo),
                                 ctx.settings.min_history_prs)
        output = render_score(score, sensitive, config.unusual_conclusion, key_values(summary, profile),
                              history, report.findings, severity, report.notes)
        assessed = assess(score, report, severity)
        ctx.store.checks.save_score(dict(score, **assessed, scored_at=utcnow(), profile_version=version))
        ctx.on_scored(dict(score, anomalous=output.anomalous))
    output = with_config_error(output, resolved.error)
    marked = _expected_by(ctx.store, repo, head_sha)
    if output.anomalous and marked is not None:
        # A re-run must not undo a maintainer's "Mark as expected" on this very head SHA.
        output = render_marked_expected(dataclasses.asdict(output), marked.get("user"),
                                        _keys(assessed["findings"]))
    publisher.complete(record, output)
    log.info("check run completed: %s", output.conclusion,
             extra=dict(context, model_version=output.model_version))
    return POSTED


def mark_expected(ctx: JobContext, job: Job) -> str:
    """Handle a ``mark_expected`` job: if the press is authorised (app.feedback), store the label with
    who pressed it, then re-complete the run as success; otherwise log and count it, change nothing."""
    p = jobs.decode(job.kind, job.payload)
    repo, number, head_sha, sender = p.repo, p.number, p.head_sha, p.user
    extra = {"repo": repo, "pr": number, "head_sha": head_sha, "delivery_id": p.delivery_id,
             "job_id": job.id, "sender": sender, "check_run_id": p.check_run_id}
    if not _installation_active(ctx.store, p.installation_id):
        return INSTALLATION_INACTIVE
    connection = ctx.connect(p.installation_id)
    stored = ctx.store.checks.get_run(repo, head_sha) or {}
    try:
        feedback.authorise(p, stored, ctx.settings.github_app_id if connection.publisher.posted else None,
                           connection.client)
    except feedback.Refused as refused:
        log.warning("mark as expected by %s refused: %s", sender, refused.detail, extra=extra)
        ctx.on_feedback(refused.reason)
        return FEEDBACK_REFUSED
    ctx.store.feedback.add(repo, number, head_sha, jobs.EXPECTED_LABEL, sender)
    record = dict(stored, repo=repo, number=number, head_sha=head_sha,
                  external_id=external_id(repo, head_sha))
    # What the maintainer accepted: the findings shown for this head SHA (also kept with its score).
    accepted = _keys((ctx.store.checks.get_score(repo, head_sha) or {}).get("findings") or [])
    connection.publisher.complete(record, render_marked_expected(stored, sender, accepted))
    ctx.on_feedback(FEEDBACK_ACCEPTED)
    log.info("marked as expected by %s", sender, extra=extra)
    return MARKED_EXPECTED


HANDLERS: dict[str, Callable[[JobContext, Job], str]] = {
    jobs.SCORE_PULL_REQUEST: score_pull_request,
    jobs.MARK_EXPECTED: mark_expected,
    jobs.BACKFILL_REPOSITORY: backfill_repository,
}


def handle(ctx: JobContext, job: Job) -> str:
    """Dispatch ``job`` by kind; an unknown kind is a programming error and raises (then dead-letters)."""
    try:
        handler = HANDLERS[job.kind]
    except KeyError:
        raise ValueError(f"no handler for job kind {job.kind!r}") from None
    return handler(ctx, job)
