"""The worker turns queued jobs into exactly one check run per head SHA, whatever fails on the way."""
from __future__ import annotations

import threading

import pytest

from app import jobs
from app.publisher import GitHubPublisher, OfflinePublisher
from app.scoring_job import Connection, JobContext
from app.worker import Worker, backoff_seconds, run_worker
from prguard.features.extraction import sensitive_files
from prguard.github.errors import GitHubError, RateLimitWaitTooLong
from prguard.store.base import JOB_DEAD, JOB_DONE, JOB_PENDING, utcnow
from prguard.store.sqlite import SQLiteStore
from tests.support.pull_requests import pull_request
from tests.support.worker_fakes import FakeBundle, FakeInstallationClient

REPO, NUMBER, SHA = "octo/widgets", 7, "a" * 40
INSTALLATION = 42
APP_ID = 4242


@pytest.fixture
def store(settings):
    store = SQLiteStore(settings.sqlite_path)
    yield store
    store.close()


@pytest.fixture
def github():
    files = [{"filename": ".github/workflows/ci.yml", "status": "modified", "additions": 3, "deletions": 1,
              "changes": 4, "patch": "@@ -1 +1 @@"}]
    return FakeInstallationClient(pulls={(REPO, NUMBER): pull_request(additions=500)}, files={(REPO, NUMBER): files})


class Harness:
    """A worker wired to the fakes; ``model`` can be swapped like the champion alias moving."""

    def __init__(self, store, settings, github, offline=False):
        self.store, self.github = store, github
        self.model = FakeBundle()
        publisher = OfflinePublisher(store) if offline else GitHubPublisher(store, github)
        connection = Connection(None if offline else github, publisher)
        self.context = JobContext(store=store, settings=settings, current_model=lambda: self.model,
                                  connect=lambda installation_id: connection, sensitive_files=sensitive_files)
        self.worker = Worker(store, self.context, settings, "w1", backoff_base=0.0, backoff_cap=0.0)

    def enqueue(self, head_sha=SHA, force=False, number=NUMBER):
        return jobs.enqueue(self.store, jobs.ScorePullRequest(REPO, number, head_sha, INSTALLATION, "d-1", force))

    def drain(self, limit=20):
        for _ in range(limit):
            if not self.worker.run_once():
                return


@pytest.fixture
def harness(store, settings, github):
    return Harness(store, settings.replace(github_app_id=str(APP_ID)), github)


def press(store, run_id, user="bob", head_sha=SHA):
    """A "Mark as expected" press on PRGuard's run ``run_id``, as the webhook handler queues it."""
    return jobs.enqueue(store, jobs.MarkExpected(REPO, NUMBER, head_sha, INSTALLATION, run_id, user, "d-2",
                                                 app_id=APP_ID, external_id=f"prguard:{REPO}:{head_sha}"))


def test_a_quick_job_creates_its_run_completed_in_one_request_with_reasons(harness, github, store):
    harness.store.prs.upsert(pull_request(additions=500))
    job_id = harness.enqueue()
    harness.drain()
    assert store.jobs.get(job_id)["state"] == JOB_DONE
    (run,) = github.runs.values()
    assert run["status"] == "completed" and run["conclusion"] == "neutral"
    assert run["head_sha"] == SHA and run["external_id"] == f"prguard:{REPO}:{SHA}" and run["name"] == "PRGuard"
    # One content-creating request for the whole job, and no lookup of earlier runs.
    assert github.count("create_check_run") == 1 and github.count("update_check_run") == 0
    assert github.count("list_check_runs_for_ref") == 0
    assert run["started_at"] <= run["completed_at"]
    assert "Adds 500 lines" in run["output"]["summary"]
    assert run["annotations"][0]["path"] == ".github/workflows/ci.yml"
    assert run["actions"][0]["identifier"] == "mark_expected"
    record = store.checks.get_run(REPO, SHA)
    assert record["check_run_id"] == run["id"] and record["posted"] is True and record["conclusion"] == "neutral"
    assert store.checks.get_score(REPO, SHA)["model_version"] == "3"
    # Files were fetched once and stored with the PR.
    assert store.prs.get(REPO, NUMBER)["files"][0]["filename"] == ".github/workflows/ci.yml"


class SteppingClock:
    """A monotonic clock that moves ``step`` seconds each time it is read: every step of a job is slow."""

    def __init__(self, step: float):
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def run_with_step(store, settings, github, step: float) -> None:
    """One job whose every step takes ``step`` seconds, with the in-progress threshold at 5 s."""
    harness = Harness(store, settings, github)
    publisher = GitHubPublisher(store, github, in_progress_after=5.0, clock=SteppingClock(step))
    harness.context.connect = lambda installation_id: Connection(github, publisher)
    harness.enqueue()
    harness.drain()


def test_a_slow_job_shows_its_run_in_progress_then_completes_the_same_run(store, settings, github):
    run_with_step(store, settings, github, 6.0)
    (run,) = github.runs.values()
    assert github.calls[[c[0] for c in github.calls].index("create_check_run")][1]["status"] == "in_progress"
    assert github.count("create_check_run") == 1 and github.count("update_check_run") == 1
    assert run["status"] == "completed" and store.checks.get_run(REPO, SHA)["check_run_id"] == run["id"]


def test_a_quick_job_under_the_threshold_never_shows_in_progress(store, settings, github):
    run_with_step(store, settings, github, 1.0)
    assert [c[1]["status"] for c in github.calls if c[0] == "create_check_run"] == ["completed"]


def test_a_lost_answer_to_the_create_is_found_on_retry_not_created_twice(harness, github, store):
    github.fail_after["create_check_run"] = [GitHubError("GitHub answered 502", status=502)]
    job_id = harness.enqueue()
    harness.drain()
    assert store.jobs.get(job_id)["state"] == JOB_DONE and store.jobs.get(job_id)["attempts"] == 2
    (run_id,) = github.runs
    assert github.count("create_check_run") == 1 and github.count("list_check_runs_for_ref") == 1
    assert github.runs[run_id]["status"] == "completed" and store.checks.get_run(REPO, SHA)["check_run_id"] == run_id


def test_pr_missing_from_the_store_is_fetched_from_the_api(harness, github, store):
    harness.enqueue()
    harness.drain()
    assert github.count("get_pull_request") == 1
    assert store.prs.get(REPO, NUMBER)["head"]["sha"] == SHA
    assert len(github.runs) == 1


def test_failures_are_retried_and_still_give_exactly_one_run(harness, github, store):
    github.fail["list_pull_request_files"] = [GitHubError("GitHub answered 502", status=502)]
    github.fail["create_check_run"] = [GitHubError("GitHub answered 500", status=500)] * 2
    job_id = harness.enqueue()
    harness.drain()
    assert store.jobs.get(job_id)["state"] == JOB_DONE
    assert store.jobs.get(job_id)["attempts"] == 4
    assert len(github.runs) == 1 and github.count("create_check_run") == 3
    assert next(iter(github.runs.values()))["status"] == "completed"


def test_a_failed_annotation_batch_is_retried_on_the_created_run(harness, github, store):
    """Past 50 annotations the run is created with the first batch and PATCHed with the rest; a PATCH that
    fails retries the job, which updates the run it created (its id was stored) instead of adding one."""
    files = [{"filename": f".github/workflows/w{i}.yml", "status": "modified", "additions": 1, "deletions": 0,
              "changes": 1} for i in range(60)]
    github.files[(REPO, NUMBER)] = files
    github.fail["update_check_run"] = [GitHubError("GitHub answered 500", status=500)]
    job_id = harness.enqueue()
    harness.drain()
    assert store.jobs.get(job_id)["state"] == JOB_DONE and store.jobs.get(job_id)["attempts"] == 2
    (run,) = github.runs.values()
    assert github.count("create_check_run") == 1 and run["status"] == "completed"
    assert {a["path"] for a in run["annotations"]} == {f["filename"] for f in files}


def test_crash_between_create_and_save_finds_the_existing_run(harness, github, store):
    """The run exists at GitHub but the store never learned its id: it is found by external_id."""
    harness.enqueue()
    harness.drain()
    (run_id,) = github.runs
    store.checks.save_run(dict(store.checks.get_run(REPO, SHA), check_run_id=None, status="queued"))
    harness.enqueue(force=True)
    harness.drain()
    assert list(github.runs) == [run_id] and github.count("create_check_run") == 1
    assert store.checks.get_run(REPO, SHA)["check_run_id"] == run_id


def test_rerun_updates_the_same_run_and_a_plain_duplicate_does_nothing(harness, github, store):
    harness.enqueue()
    harness.drain()
    updates = github.count("update_check_run")
    harness.enqueue()  # e.g. check_suite.requested for a SHA already scored
    harness.drain()
    assert github.count("update_check_run") == updates
    harness.enqueue(force=True)  # check_run.rerequested
    harness.drain()
    assert len(github.runs) == 1 and github.count("update_check_run") > updates


def test_superseded_head_sha_completes_without_posting(harness, github, store):
    github.pulls[(REPO, NUMBER)] = pull_request(head_sha="b" * 40, additions=5)
    store.prs.upsert(pull_request(head_sha="b" * 40, additions=5))
    job_id = harness.enqueue(head_sha=SHA)
    harness.drain()
    assert store.jobs.get(job_id)["state"] == JOB_DONE
    assert github.runs == {} and store.checks.get_run(REPO, SHA) is None


@pytest.mark.parametrize("status", ["deleted", "suspended"])
def test_inactive_installation_completes_without_posting(harness, github, store, status):
    store.installations.upsert(INSTALLATION, "octo", status=status)
    job_id = harness.enqueue()
    harness.drain()
    assert store.jobs.get(job_id)["state"] == JOB_DONE
    assert github.calls == []


def test_no_model_yet_gives_a_neutral_run_that_says_so(harness, github):
    harness.model = None
    harness.enqueue()
    harness.drain()
    (run,) = github.runs.values()
    assert run["conclusion"] == "neutral" and "No model is registered" in run["output"]["summary"]


def test_a_new_champion_is_used_by_the_next_job_without_a_restart(harness, github, store):
    harness.enqueue()
    harness.drain()
    harness.model = FakeBundle(model_version="9")
    github.pulls[(REPO, NUMBER)] = pull_request(head_sha="c" * 40, additions=5, updated_at="2024-05-02T00:00:00Z")
    harness.enqueue(head_sha="c" * 40)
    harness.drain()
    assert store.checks.get_run(REPO, "c" * 40)["model_version"] == "9"
    assert store.checks.get_run(REPO, "c" * 40)["conclusion"] == "success"


def test_mark_expected_stores_feedback_and_recompletes_as_success(harness, github, store):
    harness.enqueue()
    harness.drain()
    (run_id,) = github.runs
    github.roles[(REPO, "bob")] = "write"
    press(store, run_id)
    harness.drain()
    assert [(f["repo"], f["number"], f["label"], f["user"]) for f in store.feedback.list(REPO)] == [
        (REPO, NUMBER, "expected", "bob")]
    run = github.runs[run_id]
    assert run["conclusion"] == "success" and run["actions"] == []
    assert run["output"]["title"] == "Marked as expected by @bob"
    assert store.checks.get_run(REPO, SHA)["conclusion"] == "success"


def test_a_rerun_keeps_the_maintainers_mark_as_expected(harness, github, store):
    harness.enqueue()
    harness.drain()
    (run_id,) = github.runs
    github.roles[(REPO, "bob")] = "write"
    press(store, run_id)
    harness.drain()
    harness.enqueue(force=True)  # check_run.rerequested
    harness.drain()
    run = github.runs[run_id]
    assert run["conclusion"] == "success" and run["output"]["title"] == "Marked as expected by @bob"
    assert len(github.runs) == 1


def test_job_dead_letters_after_max_attempts(store, settings, github):
    harness = Harness(store, settings.replace(job_max_attempts=3), github)
    github.fail["get_pull_request"] = [GitHubError("GitHub answered 500", status=500)] * 10
    job_id = harness.enqueue()
    harness.drain()
    job = store.jobs.get(job_id)
    assert job["state"] == JOB_DEAD and job["attempts"] == 3 and "500" in job["last_error"]


def test_rate_limit_wait_longer_than_the_client_allows_delays_the_retry(harness, github, store):
    github.fail["get_pull_request"] = [RateLimitWaitTooLong("wait", wait_seconds=3600)]
    job_id = harness.enqueue()
    harness.drain()
    job = store.jobs.get(job_id)
    assert job["state"] == JOB_PENDING
    assert (job["run_at"] - job["updated_at"]).total_seconds() > 3000


def test_offline_mode_records_runs_marked_not_posted(store, settings, github):
    harness = Harness(store, settings, github, offline=True)
    store.prs.upsert(pull_request(additions=500))
    harness.enqueue()
    harness.drain()
    record = store.checks.get_run(REPO, SHA)
    assert record["posted"] is False and record["status"] == "completed" and record["conclusion"] == "neutral"
    assert github.calls == []


def test_lease_is_extended_while_a_slow_job_runs(store, settings, github):
    slow = settings.replace(job_lease_seconds=1)
    harness = Harness(store, slow, github)
    release = threading.Event()
    inner = harness.context.current_model

    def slow_model():
        release.wait(5)
        return inner()

    harness.context.current_model = slow_model
    harness.enqueue()
    runner = threading.Thread(target=harness.worker.run_once)
    runner.start()
    try:
        threading.Event().wait(2.0)  # twice the lease: without extension another worker could claim it
        assert store.jobs.claim("w2", 1) is None
    finally:
        release.set()
        runner.join(5)
    assert len(github.runs) == 1


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    import random

    rng = random.Random(1)
    delays = [backoff_seconds(n, 2.0, 60.0, rng) for n in range(1, 9)]
    for attempt, delay in enumerate(delays, start=1):
        expected = min(60.0, 2.0 * 2 ** (attempt - 1))
        assert expected / 2 <= delay <= expected
    assert delays[-1] <= 60.0


def test_run_worker_stops_when_asked(store, settings, github):
    harness = Harness(store, settings, github)
    harness.enqueue()
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(settings, stop),
                              kwargs={"store": store, "context_factory": lambda s, st: harness.context,
                                      "poll_seconds": 0.05})
    thread.start()
    for _ in range(100):
        if len(github.runs) == 1 and github.runs[next(iter(github.runs))]["status"] == "completed":
            break
        threading.Event().wait(0.05)
    stop.set()
    thread.join(5)
    assert not thread.is_alive()
    assert len(github.runs) == 1


def test_a_job_whose_installation_must_wait_long_for_a_write_slot_goes_back_untried(harness, github, store):
    waits = {INSTALLATION: 30.0}
    harness.context.write_wait = lambda installation_id: waits[installation_id]
    job_id = harness.enqueue()
    assert harness.worker.run_once()
    record = store.jobs.get(job_id)
    assert (record["state"], record["attempts"]) == (JOB_PENDING, 0)
    assert 28 <= (record["run_at"] - utcnow()).total_seconds() <= 29  # back a second early, for its reads
    assert github.calls == []  # nothing read or written while the installation had no slot
    assert store.jobs.postpone(job_id, "w1", utcnow()) is False  # handed back: no longer w1's
    assert harness.worker.run_once() is False  # not due before its slot
    # A short wait is slept through in the client: another PR's job runs at once.
    waits[INSTALLATION] = 1.5
    github.pulls[(REPO, 8)] = pull_request(number=8, head_sha="b" * 40)
    harness.enqueue(head_sha="b" * 40, number=8)
    harness.drain()
    assert github.count("create_check_run") == 1 and store.jobs.get(job_id)["state"] == JOB_PENDING


def test_backfills_are_never_postponed_for_write_slots(harness, github, store):
    harness.context.write_wait = lambda installation_id: 600.0
    job_id = jobs.enqueue(store, jobs.BackfillRepository(REPO, INSTALLATION, "d-3"))
    harness.worker.run_once()
    assert store.jobs.get(job_id)["attempts"] == 1  # it ran (its outcome is the backfill's business)


def test_a_worker_runs_its_threads_jobs_at_once(store, settings, github):
    """Three jobs that can only finish together (a barrier of three) finish: three threads ran them."""
    harness = Harness(store, settings, github)
    together = threading.Barrier(3, timeout=10)
    seen = []

    def meet(installation_id):
        seen.append(threading.current_thread().name)
        together.wait()
        return 0.0

    harness.context.write_wait = meet
    for number in (1, 2, 3):
        github.pulls[(REPO, number)] = pull_request(number=number, head_sha=str(number) * 40)
        harness.enqueue(head_sha=str(number) * 40, number=number)
    stop = threading.Event()
    runner = threading.Thread(target=run_worker, args=(settings, stop),
                              kwargs={"store": store, "context_factory": lambda s, st: harness.context,
                                      "poll_seconds": 0.05, "threads": 3})
    runner.start()
    try:
        for _ in range(200):
            if store.jobs.stats().pending == 0 and store.jobs.stats().running == 0:
                break
            threading.Event().wait(0.05)
    finally:
        stop.set()
        runner.join(10)
    assert not runner.is_alive()
    assert len(set(seen)) == 3 and len(github.runs) == 3
    assert {job["state"] for job in store.jobs.list()} == {JOB_DONE}
