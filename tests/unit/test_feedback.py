""""Mark as expected" counts only on PRGuard's own run and only from a sender who can write, per head SHA."""
from __future__ import annotations

import copy
import logging

import pytest
from prometheus_client import REGISTRY

from app import feedback, jobs, metrics
from app.publisher import GitHubPublisher, OfflinePublisher
from app.scoring_job import Connection, JobContext
from app.worker import Worker
from prguard.features.extraction import sensitive_files
from prguard.github import GitHubApp
from prguard.github.errors import GitHubError
from prguard.store.base import JOB_DONE
from prguard.store.sqlite import SQLiteStore
from tests.fakes import fixtures
from tests.fakes.fixtures import FAST_RETRIES
from tests.fakes.openapi_rules import openapi_rules
from tests.support.pull_requests import pull_request
from tests.support.worker_fakes import FakeBundle, FakeInstallationClient

# The fake GitHub's fixtures (tests/fakes/fixtures.py): it fails a test on any request its OpenAPI rejects.
app_private_key = fixtures.app_private_key
fake_github = fixtures.fake_github

REPO, NUMBER, SHA = "octo/widgets", 7, "a" * 40
INSTALLATION, APP_ID = 42, 4242


class World:
    """A worker on a SQLite store and a fake installation client, with a flagged PR already scored."""

    def __init__(self, settings, offline: bool = False):
        self.store = SQLiteStore(settings.sqlite_path)
        self.github = FakeInstallationClient(pulls={(REPO, NUMBER): pull_request(additions=500)})
        self.outcomes: list[str] = []
        publisher = OfflinePublisher(self.store) if offline else GitHubPublisher(self.store, self.github)
        connection = Connection(None if offline else self.github, publisher)
        context = JobContext(store=self.store, settings=settings.replace(github_app_id=str(APP_ID)),
                             current_model=FakeBundle, connect=lambda installation_id: connection,
                             sensitive_files=sensitive_files, on_feedback=self.outcomes.append)
        self.worker = Worker(self.store, context, settings, "w1", backoff_base=0.0, backoff_cap=0.0)
        self.score(SHA)

    def score(self, head_sha: str) -> dict:
        jobs.enqueue(self.store, jobs.ScorePullRequest(REPO, NUMBER, head_sha, INSTALLATION, "d-1"))
        self.drain()
        return self.store.checks.get_run(REPO, head_sha)

    @property
    def run_id(self) -> int:
        return self.store.checks.get_run(REPO, SHA)["check_run_id"]

    def press(self, user: str, run_id: int | None = None, app_id=APP_ID, ext_id: str | None = None) -> str:
        job_id = jobs.enqueue(self.store, jobs.MarkExpected(
            REPO, NUMBER, SHA, INSTALLATION, run_id or self.run_id, user, "d-2", app_id=app_id,
            external_id=ext_id or f"prguard:{REPO}:{SHA}"))
        self.drain()
        return job_id

    def drain(self) -> None:
        while self.worker.run_once():
            pass


@pytest.fixture
def world(settings):
    world = World(settings)
    yield world
    world.store.close()


def _unchanged(world: World, before: dict) -> None:
    assert world.store.feedback.list() == []
    assert world.github.runs[world.run_id] == before
    assert world.store.checks.get_run(REPO, SHA)["conclusion"] == "neutral"


def test_a_sender_with_read_permission_changes_nothing_and_is_logged(world, caplog):
    world.github.roles[(REPO, "mallory")] = "read"
    before = copy.deepcopy(world.github.runs[world.run_id])
    with caplog.at_level(logging.WARNING, logger="app.scoring_job"):
        job_id = world.press("mallory")
    assert world.store.jobs.get(job_id)["state"] == JOB_DONE
    _unchanged(world, before)
    assert world.github.calls[-1] == ("get_collaborator_permission", (REPO, "mallory"))
    [record] = [r for r in caplog.records if "refused" in r.getMessage()]
    assert record.sender == "mallory" and "mallory" in record.getMessage()
    assert world.outcomes == [feedback.NO_WRITE_PERMISSION]


@pytest.mark.parametrize("role", ["write", "maintain", "admin"])
def test_a_sender_who_can_write_is_stored_with_who_and_when_and_the_run_turns_green(world, role):
    world.github.roles[(REPO, "octo-lead")] = role
    world.press("octo-lead")
    [label] = world.store.feedback.list()
    assert (label["repo"], label["number"], label["head_sha"], label["label"], label["user"]) == (
        REPO, NUMBER, SHA, "expected", "octo-lead")
    assert label["created_at"] is not None and label["created_at"].tzinfo is not None
    run = world.github.runs[world.run_id]
    assert run["conclusion"] == "success" and run["output"]["title"] == "Marked as expected by @octo-lead"
    assert world.outcomes == ["accepted"]


@pytest.mark.parametrize("role", ["triage", "read", "none"])
def test_roles_below_write_are_refused(world, role):
    world.github.roles[(REPO, "someone")] = role
    world.press("someone")
    assert world.store.feedback.list() == [] and world.outcomes == [feedback.NO_WRITE_PERMISSION]


def test_an_unknown_sender_is_refused_and_an_api_outage_is_retried(world):
    world.press("ghost")  # the fake answers 404 for a login it was not told about
    assert world.outcomes == [feedback.NO_WRITE_PERMISSION]
    world.github.roles[(REPO, "octo-lead")] = "write"
    world.github.fail["get_collaborator_permission"] = [GitHubError("GitHub answered 502", status=502)]
    job_id = world.press("octo-lead")
    # The outage is not a refusal: the job is retried (no backoff here) and the press then counts.
    assert world.store.jobs.get(job_id)["attempts"] == 2
    assert [f["user"] for f in world.store.feedback.list()] == ["octo-lead"]
    assert world.outcomes == [feedback.NO_WRITE_PERMISSION, "accepted"]


@pytest.mark.parametrize("change,reason", [
    ({"app_id": 999}, feedback.NOT_PRGUARDS_APP),
    ({"app_id": None}, feedback.NOT_PRGUARDS_APP),
    ({"ext_id": "prguard:octo/other:" + SHA}, feedback.FOREIGN_EXTERNAL_ID),
    ({"run_id": 555}, feedback.UNKNOWN_RUN),
])
def test_a_press_on_a_run_that_is_not_prguards_is_refused_before_any_api_call(world, change, reason):
    world.github.roles[(REPO, "octo-lead")] = "admin"
    before = copy.deepcopy(world.github.runs[world.run_id])
    calls = len(world.github.calls)
    world.press("octo-lead", **change)
    _unchanged(world, before)
    assert world.github.calls[calls:] == [] and world.outcomes == [reason]


def test_a_login_that_is_no_github_login_never_reaches_an_api_path(world):
    world.press("../../app/installations#")
    assert world.outcomes == [feedback.BAD_SENDER] and world.github.count("get_collaborator_permission") == 0


def test_a_later_push_is_scored_afresh(world):
    world.github.roles[(REPO, "octo-lead")] = "write"
    world.press("octo-lead")
    moved = "b" * 40
    world.github.pulls[(REPO, NUMBER)] = pull_request(head_sha=moved, additions=600, updated_at="2024-05-02T00:00:00Z")
    record = world.score(moved)
    run = world.github.runs[record["check_run_id"]]
    assert run["conclusion"] == "neutral" and run["output"]["title"].startswith("Unusual")
    assert [a["identifier"] for a in run["actions"]] == ["mark_expected"]
    assert [f["head_sha"] for f in world.store.feedback.list()] == [SHA]


def test_offline_mode_cannot_verify_a_press_and_stores_nothing(settings):
    world = World(settings, offline=True)
    try:
        world.press("octo-lead", run_id=1)
        assert world.store.feedback.list() == [] and world.outcomes == [feedback.OFFLINE]
    finally:
        world.store.close()


def test_refusals_and_acceptances_are_counted_by_outcome():
    def value(outcome):
        return REGISTRY.get_sample_value("prguard_feedback_total", {"outcome": outcome}) or 0.0
    before = value(feedback.NO_WRITE_PERMISSION)
    metrics.count_feedback(feedback.NO_WRITE_PERMISSION)
    assert value(feedback.NO_WRITE_PERMISSION) == before + 1


@pytest.mark.parametrize("login,valid", [("octocat", True), ("dependabot[bot]", True), ("a-b", True),
                                         ("-a", False), ("a--b", False), ("a/b", False), ("a" * 40, False),
                                         ("", False), (None, False), ("x\n", False)])
def test_only_github_logins_are_valid_senders(login, valid):
    assert feedback.valid_login(login) is valid


def test_the_permission_check_against_the_fake_github_follows_githubs_api_description(fake_github):
    fake_github.add_installation(INSTALLATION, "octo", [REPO])
    fake_github.set_role(REPO, "octo-lead", "maintain")
    fake_github.set_role(REPO, "reviewer", "triage")
    client = GitHubApp(fake_github.app_id, fake_github.private_key_pem, fake_github.base_url,
                       policy=FAST_RETRIES).installation(INSTALLATION)
    answer = client.get_collaborator_permission(REPO, "octo-lead")
    assert (answer["permission"], answer["role_name"]) == ("write", "maintain")
    operation, _, _ = openapi_rules().match("GET", f"/repos/{REPO}/collaborators/octo-lead/permission")
    assert operation.response_problems(200, answer) == []
    assert operation.response_problems(200, {"permission": "write"})  # the check itself can fail
    feedback.sender_can_write(client, REPO, "octo-lead")
    with pytest.raises(feedback.Refused, match="triage"):
        feedback.sender_can_write(client, REPO, "reviewer")
    assert fake_github.request_count(r"/collaborators/[^/]+/permission$", "GET") == 3
