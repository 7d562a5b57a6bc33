"""Group commit in the embedded store: deliveries of one gevent loop that reach the store while another waits
for the write lock share its transaction, each with its own result, and one that fails fails alone."""
from __future__ import annotations

import json
import subprocess
import sys

# Its own interpreter: gevent's monkey patching cannot be undone in the test session.
BATCH = """
import json, sqlite3, sys
from gevent import monkey
monkey.patch_all(subprocess=False, os=False)  # as app/gunicorn_worker.py patches
import gevent
from prguard.store import sqlite_acceptance
from prguard.store.acceptance import Acceptance, JobSpec
from prguard.store.sqlite import SQLiteStore
from tests.support.pull_requests import pull_request

path = sys.argv[1]
store = SQLiteStore(path)
store.deliveries.claim("first", "ping", None)  # schema in place
commits = []
store._conns.get().set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)

real_write = sqlite_acceptance.write_pull_request
def write_pull_request(db, doc, ident, text):
    if doc["number"] in (1, 13):  # the first caller (who waits for the lock) and one that joins it
        raise RuntimeError("disk says no")
    return real_write(db, doc, ident, text)
sqlite_acceptance.write_pull_request = write_pull_request

other = sqlite3.connect(path, isolation_level=None)
other.execute("BEGIN IMMEDIATE")  # another process's writer holds the lock while the deliveries arrive

def deliver(number, delivery_id):
    pr = pull_request(number=number, head_sha=f"{number:040x}")
    acceptance = Acceptance(delivery_id, "pull_request", "opened", 1, "octo", pull_request=pr,
                            jobs=(JobSpec("score_pull_request", {"number": number}),))
    try:
        return store.accept_delivery(acceptance).outcome
    except RuntimeError as exc:
        return str(exc)

def release():
    gevent.sleep(0.2)
    other.execute("COMMIT")

deliveries = [gevent.spawn(deliver, n, f"d{n}") for n in range(1, 31)]
deliveries.append(gevent.spawn(deliver, 5, "d5"))  # the same delivery id twice in one batch
gevent.joinall([*deliveries, gevent.spawn(release)], raise_error=True)
db = sqlite3.connect(path)
print(json.dumps({
    "outcomes": [g.value for g in deliveries],
    "commits": len(commits),
    "done": sorted(r[0] for r in db.execute("SELECT delivery_id FROM deliveries WHERE delivery_id != 'first'")),
    "prs": db.execute("SELECT count(*) FROM pull_requests").fetchone()[0],
    "jobs": db.execute("SELECT count(*) FROM jobs").fetchone()[0],
}))
"""


def test_deliveries_waiting_for_the_lock_commit_together_and_a_failing_one_alone(tmp_path):
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", BATCH, str(tmp_path / "store.db")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    expected = ["accepted"] * 30
    expected[0] = expected[12] = "disk says no"  # PRs 1 and 13: their callers get the error, no one else
    assert outcome["outcomes"] == [*expected, "duplicate"]
    # One transaction for all 31 (the first waits for the lock; the others join it).
    assert outcome["commits"] == 1
    # Their deliveries are not claimed, so GitHub's redeliveries are processed at once; nothing of them is kept.
    assert outcome["done"] == sorted(f"d{n}" for n in range(2, 31) if n != 13)
    assert outcome["prs"] == 28 and outcome["jobs"] == 28
