"""Waiting for the embedded store's write lock: short pauses, the 30 s bound, and gevent's loop kept running."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from prguard.store import sqlite_schema
from prguard.store.sqlite_schema import BUSY_TIMEOUT_MS, SQLiteConnections, begin_immediate


def busy_timeout(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA busy_timeout").fetchone()[0]


def hold_write_lock(path, seconds: float) -> threading.Thread:
    """Another connection takes the write lock now and releases it after ``seconds``."""
    taken = threading.Event()

    def hold():
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        taken.set()
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(10)
    return holder


@pytest.fixture()
def conn(tmp_path):
    connections = SQLiteConnections(tmp_path / "store.db")
    yield connections.get()
    connections.close()


def test_a_free_lock_is_taken_at_once_and_the_busy_timeout_is_restored(conn):
    begin_immediate(conn)
    assert conn.in_transaction
    conn.execute("ROLLBACK")
    assert busy_timeout(conn) == BUSY_TIMEOUT_MS


def test_a_held_lock_is_taken_within_a_few_pauses_of_its_release(conn):
    holder = hold_write_lock(conn.execute("PRAGMA database_list").fetchone()[2], 0.24)
    started = time.monotonic()
    begin_immediate(conn)
    waited = time.monotonic() - started
    conn.execute("ROLLBACK")
    holder.join()
    # SQLite's busy handler tries at 228 ms and next at 328 ms (its sleeps: 1, 2, 5, ... 50, 100 ms),
    # 88 ms late; the poll is at most one 2 ms pause (plus scheduling) late.
    assert 0.2 <= waited < 0.24 + 0.04
    assert busy_timeout(conn) == BUSY_TIMEOUT_MS


def test_a_lock_held_past_the_timeout_fails_as_locked(conn):
    holder = hold_write_lock(conn.execute("PRAGMA database_list").fetchone()[2], 0.5)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        begin_immediate(conn, timeout=0.1)
    holder.join()
    assert not conn.in_transaction
    assert busy_timeout(conn) == BUSY_TIMEOUT_MS


def test_other_errors_are_not_retried(conn, monkeypatch):
    monkeypatch.setattr(sqlite_schema.time, "sleep", lambda _: pytest.fail("slept on a non-busy error"))
    conn.execute("BEGIN")
    with pytest.raises(sqlite3.OperationalError, match="within a transaction"):
        begin_immediate(conn)
    conn.execute("ROLLBACK")


# Its own interpreter: gevent's monkey patching cannot be undone in the test session.
GEVENT_LOOP = """
import json, sqlite3, sys, time
from gevent import monkey
monkey.patch_all(subprocess=False, os=False)  # as app/gunicorn_worker.py patches
import gevent
from prguard.store.acceptance import Acceptance
from prguard.store.sqlite import SQLiteStore

path = sys.argv[1]
store = SQLiteStore(path)
store.deliveries.claim("first", "ping", None)  # schema in place
other = sqlite3.connect(path, isolation_level=None)
other.execute("BEGIN IMMEDIATE")  # another process's writer holds the lock for 300 ms
ticks = []

def other_work():  # another delivery of the same worker: parsing, verifying (no store call)
    while len(ticks) < 1000 and not waiter.dead:
        ticks.append(time.monotonic())
        gevent.sleep(0.001)

def release():
    gevent.sleep(0.3)
    other.execute("COMMIT")

# A delivery's acceptance: one write transaction (an autocommit write would wait in SQLite's handler).
waiter = gevent.spawn(lambda: store.accept_delivery(Acceptance("second", "ping", None, 1)).done)
gevent.joinall([waiter, gevent.spawn(other_work), gevent.spawn(release)], raise_error=True)
print(json.dumps({"claimed": waiter.value, "ticks_while_waiting": len(ticks)}))
"""


def test_under_gevent_a_writer_waiting_for_the_lock_lets_the_loop_run(tmp_path):
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", GEVENT_LOOP, str(tmp_path / "store.db")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["claimed"] is True
    # Waiting in SQLite's busy handler blocked the whole loop: 1 tick before the wait, none during it.
    assert outcome["ticks_while_waiting"] > 50
