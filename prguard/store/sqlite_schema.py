"""SQLite connections for the embedded store: WAL, busy timeout, one connection per thread and process."""
from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

# Writers wait this long for the write lock before failing: gunicorn workers, the job worker and a
# batch import can all write at once, and every write transaction here is short.
BUSY_TIMEOUT_MS = 30_000
# Pages the WAL may hold before a commit copies them into the database file (SQLite's default: 1000).
# Each such checkpoint ends with an fsync; with ~25 KB PR documents the default checkpointed every
# ~150 deliveries and cost 470 us per transaction on average (711 -> 242 us per 24 KB insert at
# 10,000, measured one transaction at a time). The WAL then grows to ~40 MB before it is folded back;
# durability is unchanged (synchronous = NORMAL in WAL mode either way).
WAL_AUTOCHECKPOINT_PAGES = 10_000
# A writer's pauses between attempts at a write lock another connection holds (begin_immediate), the
# last one repeated until BUSY_TIMEOUT_MS: a write transaction here holds the lock for ~0.1-1 ms.
LOCK_POLL_SECONDS = (0.0001, 0.0002, 0.0005, 0.001, 0.002)

SCHEMA = """
CREATE TABLE IF NOT EXISTS pull_requests (
    rowid INTEGER PRIMARY KEY, pr_key TEXT NOT NULL UNIQUE, repo_key TEXT NOT NULL, repo TEXT NOT NULL,
    number INTEGER NOT NULL, head_sha TEXT NOT NULL, updated_at TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS pull_requests_repo ON pull_requests (repo_key, number);
CREATE INDEX IF NOT EXISTS pull_requests_head ON pull_requests (head_sha);
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id TEXT PRIMARY KEY, event TEXT NOT NULL, action TEXT, received_at INTEGER NOT NULL,
    state TEXT NOT NULL, claimed_at INTEGER NOT NULL, completed_at INTEGER,
    claims INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, payload TEXT NOT NULL, state TEXT NOT NULL,
    dedupe_key TEXT, run_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, lease_owner TEXT,
    lease_expires_at INTEGER, last_error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, run_at);
CREATE INDEX IF NOT EXISTS jobs_dedupe ON jobs (dedupe_key, state);
CREATE TABLE IF NOT EXISTS installations (
    id INTEGER PRIMARY KEY, account TEXT, status TEXT NOT NULL, repositories TEXT NOT NULL,
    updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS scores (
    repo_key TEXT NOT NULL, head_sha TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (repo_key, head_sha));
CREATE TABLE IF NOT EXISTS check_runs (
    repo_key TEXT NOT NULL, head_sha TEXT NOT NULL, record TEXT NOT NULL, updated_at INTEGER NOT NULL,
    PRIMARY KEY (repo_key, head_sha));
CREATE INDEX IF NOT EXISTS check_runs_recent ON check_runs (updated_at);
CREATE TABLE IF NOT EXISTS watermarks (repo_key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feedback (
    repo_key TEXT NOT NULL, number INTEGER NOT NULL, head_sha TEXT NOT NULL, label TEXT NOT NULL,
    repo TEXT NOT NULL, user TEXT, created_at INTEGER NOT NULL,
    PRIMARY KEY (repo_key, number, head_sha, label));
CREATE TABLE IF NOT EXISTS profiles (
    repo_key TEXT NOT NULL, version INTEGER NOT NULL, repo TEXT NOT NULL, source TEXT NOT NULL,
    profile TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (repo_key, version));
CREATE TABLE IF NOT EXISTS repo_records (
    kind TEXT NOT NULL, repo_key TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (kind, repo_key));
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS write_pacing (
    installation_id INTEGER PRIMARY KEY, next_at REAL NOT NULL, arrival REAL NOT NULL);
"""

# Columns added to tables of earlier files, as ALTER TABLE ... ADD COLUMN clauses. Deliveries recorded
# before claims existed were handled by the receiver that recorded them, so they count as done.
MIGRATIONS = {
    "deliveries": {
        "state": "state TEXT NOT NULL DEFAULT 'done'",
        "claimed_at": "claimed_at INTEGER NOT NULL DEFAULT 0",
        "completed_at": "completed_at INTEGER",
        "claims": "claims INTEGER NOT NULL DEFAULT 1",
    },
}


def os_thread_local() -> threading.local:
    """Storage per operating-system thread, also where gevent has patched ``threading.local`` to be per
    greenlet: the webhook service's gevent workers run each client connection in a new greenlet, and
    a SQLite connection per greenlet was one more open file per GitHub connection, never closed.
    Greenlets of one thread may share a connection because a store call never yields to another
    greenlet (sqlite3 does no gevent I/O), so no call sees another's transaction half done."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_object_patched("threading", "local"):
        return monkey.get_original("threading", "local")()
    return threading.local()


class SQLiteConnections:
    """Hands each thread of each process its own connection, opening the file and schema on first use."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._local = os_thread_local()
        self._lock = threading.Lock()
        self._opened: list[tuple[int, sqlite3.Connection]] = []
        self._schema_ready_pid: int | None = None

    def get(self) -> sqlite3.Connection:
        pid = os.getpid()
        held = getattr(self._local, "held", None)
        # A connection inherited through fork belongs to the parent; never use it in the child.
        if held is not None and held[0] == pid:
            return held[1]
        conn = self._open()
        self._local.held = (pid, conn)
        with self._lock:
            self._opened.append((pid, conn))
        return conn

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a read-modify-write takes the
        # write lock up front instead of failing to upgrade a stale read snapshot later.
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _enable_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")  # durable across application crashes in WAL mode
        conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
        if self._schema_ready_pid != os.getpid():
            with write_transaction(conn):
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                migrate(conn)
            self._schema_ready_pid = os.getpid()
        return conn

    def close(self) -> None:
        """Close every connection this process opened (from any thread)."""
        pid = os.getpid()
        with self._lock:
            mine = [conn for owner, conn in self._opened if owner == pid]
            self._opened = [item for item in self._opened if item[0] != pid]
        for conn in mine:
            conn.close()
        self._local = os_thread_local()


@contextlib.contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT: holds the database's single write lock for the whole block."""
    begin_immediate(conn)
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def begin_immediate(conn: sqlite3.Connection, timeout: float = BUSY_TIMEOUT_MS / 1000) -> None:
    """Take the write lock, waiting for it in short sleeps (LOCK_POLL_SECONDS) rather than in SQLite's
    busy handler.

    SQLite's handler sleeps 1, 2, 5, 10, 15, 20 ms... between attempts, inside the C call. A webhook
    worker waiting there stalls every delivery of its gevent loop, and its idle CPU goes to whoever
    holds the lock. Here a waiter retries within a fraction of a millisecond of the lock's release,
    and ``time.sleep`` is gevent's in a webhook worker: the loop parses and verifies other deliveries
    meanwhile. The connection's busy timeout is 0 only for the attempt itself, never across a sleep:
    other greenlets share the connection between attempts. Once the lock is held nothing else can be
    busy: in WAL mode readers never block the writer, and COMMIT needs no other lock.
    """
    deadline = time.monotonic() + timeout
    pauses = iter(LOCK_POLL_SECONDS)
    while True:
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            # The primary code: SQLITE_BUSY_RECOVERY and the like are waits for the lock too.
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        time.sleep(next(pauses, LOCK_POLL_SECONDS[-1]))


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL, retrying while another connection holds it: switching a fresh file
    needs an exclusive lock, and SQLite answers "database is locked" there without the busy handler
    (threads opening one new file at once hit it)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def migrate(conn: sqlite3.Connection) -> None:
    """Add the columns a file created by an earlier version lacks (inside the schema transaction)."""
    for table, columns in MIGRATIONS.items():
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for name, definition in columns.items():
            if name not in present:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {definition}")


def by_repo(repo: str | None) -> tuple[str, tuple]:
    """The WHERE clause (and its argument) that keeps one repository's rows, or none of either."""
    return ("WHERE repo_key = ?", (repo.lower(),)) if repo else ("", ())


class SQLitePart:
    """A composed part of SQLiteStore (``store.jobs``, ``store.onboarding``, ...): it works on the
    store's connections, one per thread, and on nothing else of the store's."""

    def __init__(self, connections: SQLiteConnections):
        self._conns = connections

    @property
    def _db(self):
        return self._conns.get()
