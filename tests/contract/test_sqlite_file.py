"""SQLiteStore specifics: nothing happens on construction; the first call creates a WAL database."""
from __future__ import annotations

import sqlite3

from prguard.store.sqlite import SQLiteStore


def test_file_and_schema_are_created_on_first_use_in_wal_mode(tmp_path):
    path = tmp_path / "deep" / "dir" / "prguard.sqlite3"
    store = SQLiteStore(path)
    assert not path.parent.exists()  # constructing (e.g. in an app factory) touches no disk
    assert store.count_pull_requests() == 0
    assert path.exists()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    reopened = SQLiteStore(path)
    assert reopened.record_delivery("d", "ping", None) is True
    reopened.close()
    again = SQLiteStore(path)
    assert again.record_delivery("d", "ping", None) is False  # the data outlives the connection
    again.close()
