"""Fixtures for the store contract suite: one `store` fixture parametrised over every adapter."""
from __future__ import annotations

import os
import threading
import uuid

import mongomock
import pytest

from prguard.store.mongo import MongoStore
from prguard.store.sqlite import SQLiteStore

MONGO_URI_ENV = "PRGUARD_TEST_MONGO_URI"


class AtomicCollection:
    """A mongomock collection whose every operation runs alone, as each one does on a real server.

    mongomock locks only its internal dict accesses, so its find_one_and_update is NOT atomic under
    threads (measured: 8 threads claiming 200 jobs got 762 claims). MongoStore relies only on what a
    real server guarantees (each single-document operation is atomic), so the threaded tests on this
    shim prove MongoStore's protocol is correct given that guarantee; the real-server parameter proves
    the guarantee itself.
    """

    def __init__(self, collection, lock: threading.RLock):
        self._collection = collection
        self._lock = lock

    def __getattr__(self, name):
        attribute = getattr(self._collection, name)
        if not callable(attribute):
            return attribute

        def atomic(*args, **kwargs):
            with self._lock:
                result = attribute(*args, **kwargs)
                # Cursors are read inside the lock so a query sees one consistent state.
                return list(result) if name in ("find", "aggregate") else result

        return atomic


class AtomicDatabase:
    def __init__(self, database):
        self._database = database
        self._lock = threading.RLock()

    def __getitem__(self, name):
        return AtomicCollection(self._database[name], self._lock)

    def __getattr__(self, name):
        if name in ("command", "name"):
            return getattr(self._database, name)
        return self[name]


def _sqlite(tmp_path):
    return SQLiteStore(tmp_path / "nested" / "store.sqlite3")


def _mongomock(tmp_path):
    return MongoStore(AtomicDatabase(mongomock.MongoClient(tz_aware=True)["prguard_test"]))


ADAPTERS = {"sqlite": _sqlite, "mongomock": _mongomock}


@pytest.fixture(params=["sqlite", "mongomock", pytest.param("mongodb", marks=pytest.mark.mongo)])
def store(request, tmp_path):
    if request.param == "mongodb":
        uri = os.environ.get(MONGO_URI_ENV)
        if not uri:
            pytest.skip(f"set {MONGO_URI_ENV} (e.g. mongodb://127.0.0.1:27017) to run the contract "
                        "suite against a real MongoDB server")
        db_name = f"prguard_test_{uuid.uuid4().hex[:12]}"
        instance = MongoStore.from_uri(uri, db_name)
        try:
            instance.ping()
            yield instance
        finally:
            instance._client.drop_database(db_name)
            instance.close()
        return
    instance = ADAPTERS[request.param](tmp_path)
    yield instance
    instance.close()
