"""Backfills against the fake GitHub on SQLite: slices, one repository per installation, cancel, budget."""
from __future__ import annotations

import pytest

from prguard.github import GitHubApp
from prguard.history import backfill
from prguard.store.onboarding import BACKFILL_RECORD
from tests.fakes import fixtures
from tests.fakes.fixtures import FAST_RETRIES
from tests.integration import test_fetch

app_private_key = fixtures.app_private_key
fake_github = fixtures.fake_github
store = test_fetch.store  # a SQLite store under the test's data dir
seed = test_fetch.seed

WEB, API = "acme/web", "acme/api"


@pytest.fixture
def world(fake_github):
    fake_github.add_installation(1, "acme", [WEB, API])
    seed(fake_github, WEB, 230)  # 5 pages of 50
    seed(fake_github, API, 20)
    return fake_github


@pytest.fixture
def client(world):
    app = GitHubApp(world.app_id, world.private_key_pem, world.base_url, policy=FAST_RETRIES)
    yield app.installation(1)
    app.close()


def run_until_finished(store, client, repo, pages, **kwargs):
    results = []
    while True:
        result = backfill.BackfillSlice(store, client, repo, 1, pages=pages, **kwargs).run()
        results.append(result)
        if result.finished:
            return results


def test_slices_continue_where_the_last_one_stopped_and_end_with_a_profile(world, store, client):
    backfill.queue(store, WEB, 1)
    progress = []
    results = run_until_finished(store, client, WEB, pages=2, on_progress=progress.append)

    assert [r.state for r in results] == ["running", "running", "done"]
    assert store.prs.count(WEB) == 230
    assert world.request_count(r"/graphql$") == 5  # every page fetched exactly once across the slices
    record = store.onboarding.get_repo_record(BACKFILL_RECORD, WEB)
    assert (record["state"], record["pull_requests"], record["pages"], record["total"]) == ("done", 230, 5, 230)
    assert record["api_requests"] == world.request_count() and record["profile_version"] == 1
    profile = store.onboarding.get_profile(WEB)
    assert (profile["pr_count"], profile["source"]) == (230, "backfill")
    assert [p["pull_requests"] for p in progress if p["state"] == "running"][-1] == 200
    # The lease is free again: another repository of the installation may start.
    assert store.onboarding.acquire_lease(backfill.lease_name(1), "someone", 1)


def test_one_repository_per_installation_at_a_time(world, store, client):
    backfill.queue(store, WEB, 1)
    backfill.queue(store, API, 1)
    first = backfill.BackfillSlice(store, client, WEB, 1, pages=1).run()
    assert first.state == "running"
    blocked = backfill.BackfillSlice(store, client, API, 1).run()
    assert (blocked.state, blocked.next_in) == ("waiting", backfill.WAIT_SECONDS)
    assert store.onboarding.get_repo_record(BACKFILL_RECORD, API)["state"] == "waiting"
    assert store.prs.count(API) == 0
    run_until_finished(store, client, WEB, pages=10)
    assert backfill.BackfillSlice(store, client, API, 1).run().state == "done"
    assert store.prs.count(API) == 20


def test_a_cancelled_backfill_stops_after_its_page_and_frees_the_installation(world, store, client):
    backfill.queue(store, WEB, 1)

    def cancel_after_first_page(record):
        if record.get("pages") == 1:
            backfill.cancel(store, WEB)

    result = backfill.BackfillSlice(store, client, WEB, 1, on_progress=cancel_after_first_page).run()
    assert result.state == "cancelled" and result.finished
    assert store.prs.count(WEB) == 50 and store.onboarding.get_profile(WEB) is None
    assert backfill.BackfillSlice(store, client, WEB, 1).run().state == "cancelled"  # and stays so
    assert backfill.BackfillSlice(store, client, API, 1).run().state == "done"  # the lease was released


def test_a_backfill_pauses_until_the_reset_when_the_graphql_budget_runs_low(world, store, client):
    backfill.queue(store, WEB, 1)
    # The fake reports 4999 points left; a reserve above that means "keep them for scoring".
    result = backfill.BackfillSlice(store, client, WEB, 1, reserve=5000).run()
    assert result.state == "paused" and 3500 < result.next_in <= 3602  # the fake resets in an hour
    record = store.onboarding.get_repo_record(BACKFILL_RECORD, WEB)
    assert record["state"] == "paused" and record["resumes_at"] and record["pull_requests"] == 50
    assert world.request_count(r"/graphql$") == 1
    assert run_until_finished(store, client, WEB, pages=10)[-1].state == "done"
    assert store.prs.count(WEB) == 230
