"""A delivery is never lost: a store failure midway answers 503, and a redelivery after the grace
period does the work (exactly once); before it, the redelivery is refused, not silently dropped."""
from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from app.factory import create_app
from prguard.store.sqlite import SQLiteStore
from tests.support.webhook_app import READY_MODEL
from tests.support.webhooks import SECRET, example, post

T0 = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.timezone.utc)
GRACE = 60.0
DELIVERY = "3f1c9a40-0000-11ef-8000-redelivered"


class FlakyStore(SQLiteStore):
    """The SQLite store on a clock the test moves, whose ``fail_on`` method raises once: the store
    going away in the middle of a delivery, after the delivery id was claimed."""

    def __init__(self, path, fail_on: str):
        super().__init__(path)
        self.now = T0
        self.failures = {fail_on: 1}
        enqueue = self.jobs.enqueue

        def flaky_enqueue(*args, **kwargs):
            self._fail_once("enqueue_job")
            return enqueue(*args, **kwargs)

        self.jobs.enqueue = flaky_enqueue
        claim, complete = self.deliveries.claim, self.deliveries.complete

        def claim_now(delivery_id, event, action, received_at=None, reclaim_after=GRACE):
            return claim(delivery_id, event, action, received_at or self.now, reclaim_after)

        def flaky_complete(delivery_id, completed_at=None):
            self._fail_once("complete_delivery")
            return complete(delivery_id, completed_at or self.now)

        self.deliveries.claim, self.deliveries.complete = claim_now, flaky_complete

    def _fail_once(self, method: str) -> None:
        if self.failures.get(method):
            self.failures[method] -= 1
            raise sqlite3.OperationalError("disk I/O error")


def client_for(settings, store):
    settings = settings.replace(github_webhook_secret=SECRET, delivery_reclaim_seconds=GRACE)
    app = create_app(settings, store, {"TESTING": True}, model_status=lambda: dict(READY_MODEL))
    return app.test_client()


@pytest.fixture(params=["enqueue_job", "complete_delivery"])
def flaky_store(request, settings):
    store = FlakyStore(settings.sqlite_path, fail_on=request.param)
    yield store
    store.close()


def test_a_delivery_that_failed_midway_is_processed_once_when_redelivered_after_the_grace_period(
        settings, flaky_store):
    """Events that claim, write and complete one by one (installation events)."""
    client = client_for(settings, flaky_store)
    payload = example("installation", "created")

    first = post(client, "installation", payload, delivery_id=DELIVERY)
    assert first.status_code == 503, first.json
    assert f"{GRACE:g} s" in first.json["error"]  # the operator is told when to redeliver
    assert flaky_store.deliveries.get(DELIVERY)["state"] == "processing"

    flaky_store.now = T0 + dt.timedelta(seconds=GRACE - 1)
    early = post(client, "installation", payload, delivery_id=DELIVERY)
    # Not a 2xx: GitHub shows the redelivery as failed, so nobody believes the event was handled.
    assert early.status_code == 409, early.json
    assert early.json["outcome"] == "in_progress" and "redeliver" in early.json["detail"]

    flaky_store.now = T0 + dt.timedelta(seconds=GRACE)
    late = post(client, "installation", payload, delivery_id=DELIVERY)
    assert late.status_code == 202, late.json
    assert late.json["outcome"] == "accepted"
    pending = flaky_store.jobs.list("pending")
    assert len(pending) == 1, pending
    assert late.json["jobs"] == [pending[0]["id"]]
    assert pending[0]["payload"]["repo"] == payload["repositories"][0]["full_name"]
    assert flaky_store.deliveries.get(DELIVERY)["state"] == "done"

    flaky_store.now = T0 + dt.timedelta(days=1)
    again = post(client, "installation", payload, delivery_id=DELIVERY)
    assert (again.status_code, again.json["outcome"]) == (200, "duplicate")
    assert len(flaky_store.jobs.list()) == 1


def test_a_pull_request_whose_transaction_failed_leaves_nothing_and_its_redelivery_is_processed_at_once(
        webhook_client, webhook_store):
    """pull_request deliveries are one transaction: a failure midway rolls the claim back too."""
    payload = example("pull_request", "opened", index=1)
    number, head_sha = payload["pull_request"]["number"], payload["pull_request"]["head"]["sha"]
    webhook_store._db.execute("CREATE TEMP TRIGGER jobs_down BEFORE INSERT ON main.jobs"
                              " BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END")
    first = post(webhook_client, "pull_request", payload, delivery_id=DELIVERY)
    assert first.status_code == 503, first.json
    assert webhook_store.deliveries.get(DELIVERY) is None
    assert webhook_store.prs.count() == 0 and webhook_store.jobs.list() == []

    webhook_store._db.execute("DROP TRIGGER temp.jobs_down")
    retry = post(webhook_client, "pull_request", payload, delivery_id=DELIVERY)
    assert (retry.status_code, retry.json["outcome"]) == (202, "accepted"), retry.json
    [job] = webhook_store.jobs.list("pending")
    assert retry.json["jobs"] == [job["id"]]
    assert (job["payload"]["number"], job["payload"]["head_sha"]) == (number, head_sha)
    again = post(webhook_client, "pull_request", payload, delivery_id=DELIVERY)
    assert (again.status_code, again.json["outcome"]) == (200, "duplicate")
    assert len(webhook_store.jobs.list()) == 1


def test_deliveries_are_completed_when_their_work_is_stored_and_ignored_ones_leave_no_claim(
        webhook_client, webhook_store):
    accepted = post(webhook_client, "pull_request", example("pull_request", "opened", index=1),
                    delivery_id="accepted-1")
    assert accepted.status_code == 202
    assert webhook_store.deliveries.get("accepted-1")["state"] == "done"
    installed = post(webhook_client, "installation", example("installation", "created"),
                     delivery_id="installation-1")
    assert installed.status_code == 202
    assert webhook_store.deliveries.get("installation-1")["state"] == "done"
    # An action PRGuard ignores is answered before any claim: a redelivery is answered the same way.
    labeled = post(webhook_client, "pull_request", example("pull_request", "labeled"), delivery_id="labeled-1")
    assert (labeled.status_code, labeled.json["outcome"]) == (202, "ignored")
    assert webhook_store.deliveries.get("labeled-1") is None


@pytest.fixture
def webhook_store(settings):
    store = SQLiteStore(settings.sqlite_path)
    yield store
    store.close()


@pytest.fixture
def webhook_client(settings, webhook_store):
    return client_for(settings, webhook_store)
