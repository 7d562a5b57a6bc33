"""SQLiteStore specifics: nothing happens on construction; the first call creates a WAL database."""
from __future__ import annotations

import sqlite3

from prguard.store.sqlite import SQLiteStore


def test_file_and_schema_are_created_on_first_use_in_wal_mode(tmp_path):
    path = tmp_path / "deep" / "dir" / "prguard.sqlite3"
    store = SQLiteStore(path)
    assert not path.parent.exists()  # constructing (e.g. in an app factory) touches no disk
    assert store.prs.count() == 0
    assert path.exists()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    reopened = SQLiteStore(path)
    assert reopened.deliveries.claim("d", "ping", None) is True
    reopened.close()
    again = SQLiteStore(path)
    assert again.deliveries.claim("d", "ping", None) is False  # the data outlives the connection
    again.close()


def test_a_file_from_before_delivery_claims_is_migrated_and_its_deliveries_stay_done(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE deliveries (delivery_id TEXT PRIMARY KEY, event TEXT NOT NULL,"
                     " action TEXT, received_at INTEGER NOT NULL)")
        conn.execute("INSERT INTO deliveries VALUES ('old', 'pull_request', 'opened', 0)")
    conn.close()
    store = SQLiteStore(path)
    assert store.deliveries.get("old")["state"] == "done"
    assert store.deliveries.claim("old", "pull_request", "opened", reclaim_after=1) is False
    assert store.deliveries.claim("new", "pull_request", "opened") is True
    assert store.deliveries.get("new")["state"] == "processing"
    store.close()
