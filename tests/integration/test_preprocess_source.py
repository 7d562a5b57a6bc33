"""The Spark data source's reader on both stores, in-process: partitions cover every PR exactly once.

The MongoDB path runs on a mongomock-backed MongoStore. mongomock lives inside this process, so Spark's
Python workers (separate processes) cannot reach it: the reader class is exercised directly here, the
same planning (``partitions``) and reading (``read``) code Spark calls, after a pickle round trip as
Spark does. The SQLite path also runs through real Spark in test_preprocess.py.
"""
from __future__ import annotations

import json
import pickle

import mongomock
import pytest

from batch import spark_source
from batch.spark_source import KeyRangePartition, StoreReader
from prguard.config import Settings
from prguard.store import Store, open_store
from prguard.store.docs import canonical_timestamp
from prguard.store.mongo import MongoStore
from tests.support.npm_packages import examples_for
from tests.support.pr_history import history

DOCS = history(repos=3, prs_per_repo=40) + [e["pull_request"] for e in examples_for("pull_request")]
SECRET_URI = "mongodb://prguard:hunter2@mongo.example:27017/?authSource=admin"


class MongomockReader(StoreReader):
    """The reader with its store opened on a shared in-process mongomock database (a fake MongoDB)."""

    database = None

    def open_store(self) -> Store:
        return MongoStore(type(self).database)


def _fill(store: Store) -> dict[tuple[str, int], dict]:
    """Store DOCS; returns what the store holds (GitHub's examples reuse one PR number: newest wins)."""
    for doc in DOCS:
        store.prs.upsert(doc)
    return {(d["base"]["repo"]["full_name"], d["number"]): d for d in store.prs.iter()}


def _read_all(reader: StoreReader) -> list[tuple]:
    reader = pickle.loads(pickle.dumps(reader))  # Spark ships the reader to its Python workers
    rows = []
    for partition in reader.partitions():
        shipped = pickle.loads(pickle.dumps(partition))
        assert json.loads(shipped.value) == partition.key_range
        rows.extend(reader.read(shipped))
    return rows


@pytest.fixture
def sqlite_reader(data_dir):
    settings = Settings.from_env({"PRGUARD_DATA_DIR": str(data_dir)})
    store = open_store(settings)
    keys = _fill(store)
    store.close()
    return lambda partitions: StoreReader(spark_source.store_options(settings, partitions)), keys


@pytest.fixture
def mongo_reader():
    MongomockReader.database = mongomock.MongoClient()["prguard"]
    keys = _fill(MongoStore(MongomockReader.database))
    options = {"store": "mongo", "mongo_uri": SECRET_URI, "mongo_db": "prguard"}
    return lambda partitions: MongomockReader({**options, "partitions": str(partitions)}), keys


@pytest.mark.parametrize("partitions", [1, 2, 3, 7, 500])
@pytest.mark.parametrize("kind", ["sqlite", "mongo"])
def test_partitions_cover_every_pr_exactly_once(request, kind, partitions):
    make_reader, keys = request.getfixturevalue(f"{kind}_reader")
    reader = make_reader(partitions)
    planned = reader.partitions()
    assert 1 <= len(planned) <= partitions
    rows = _read_all(reader)
    read_keys = [(row[0], row[1]) for row in rows]
    assert len(read_keys) == len(set(read_keys)) == len(keys)
    assert set(read_keys) == set(keys)


@pytest.mark.parametrize("kind", ["sqlite", "mongo"])
def test_rows_carry_the_document_and_canonical_times(request, kind):
    make_reader, stored = request.getfixturevalue(f"{kind}_reader")
    rows = {(row[0], row[1]): row for row in _read_all(make_reader(2))}
    assert rows.keys() == stored.keys()
    for key, doc in stored.items():
        repo, number, head_sha, created_at, updated_at, text, pr_key, problem = rows[key]
        assert json.loads(text) == doc and head_sha == doc["head"]["sha"]
        assert (pr_key, problem) == (f"{repo.lower()}#{number}", None)
        assert created_at == canonical_timestamp(doc["created_at"])
        assert updated_at == canonical_timestamp(doc["updated_at"])


# Documents that break today's rules, written straight into the database (by an older version, or by
# hand): each is read as a row that names its key and the problem, never an exception in the executor.
BAD_DOCS = {
    "overflow": lambda d: d.update(created_at="9999-12-31T23:59:59-23:59"),
    "traversal": lambda d: d["head"].update(sha="../../../../app/installations#"),
    "huge-number": lambda d: d.update(number=2**60),
    "deep": lambda d: d.update(extra=_deep(200)),
}


def _deep(depth: int) -> dict:
    node: dict = {}
    for _ in range(depth):
        node = {"x": node}
    return node


def _write_raw(kind: str, store, key: str, doc) -> None:
    if kind == "sqlite":
        text = doc if isinstance(doc, str) else json.dumps(doc)
        store._db.execute("INSERT INTO pull_requests (pr_key, repo_key, repo, number, head_sha, updated_at, doc)"
                          " VALUES (?, 'bad/doc', 'bad/doc', 1, 'x', '2024', ?)", (key, text))
        store._db.commit()
    else:
        store._db.pull_requests.insert_one({"_id": key, "repo_key": "bad/doc", "number": 1,
                                            "doc": None if isinstance(doc, str) else doc})


@pytest.mark.parametrize("kind", ["sqlite", "mongo"])
def test_unusable_stored_documents_become_rows_naming_their_key_and_problem(request, data_dir, kind):
    make_reader, stored = request.getfixturevalue(f"{kind}_reader")
    store = (open_store(Settings.from_env({"PRGUARD_DATA_DIR": str(data_dir)})) if kind == "sqlite"
             else MongoStore(MongomockReader.database))
    template = next(iter(stored.values()))
    for name, mangle in BAD_DOCS.items():
        doc = json.loads(json.dumps(template))
        mangle(doc)
        _write_raw(kind, store, f"bad/doc#{name}", doc)
    _write_raw(kind, store, "bad/doc#not-json", "{not json")
    rows = _read_all(make_reader(3))
    problems = {row[6]: row[7] for row in rows if row[7] is not None}
    assert set(problems) == {f"bad/doc#{name}" for name in [*BAD_DOCS, "not-json"]}
    assert "created_at" in problems["bad/doc#overflow"] and "head.sha" in problems["bad/doc#traversal"]
    assert "number" in problems["bad/doc#huge-number"] and "nested" in problems["bad/doc#deep"]
    assert all(row[:6] == (None,) * 6 for row in rows if row[7] is not None)
    assert {(row[0], row[1]) for row in rows if row[7] is None} == set(stored)


def test_store_options_point_executors_at_the_configured_store(data_dir):
    sqlite = spark_source.store_options(Settings(data_dir=data_dir), 4)
    assert sqlite == {"store": "sqlite", "sqlite_path": str((data_dir / "prguard.sqlite3").resolve()),
                      "partitions": "4"}
    mongo = spark_source.store_options(Settings(data_dir=data_dir, mongo_uri=SECRET_URI, mongo_db="prg"), 2)
    assert mongo == {"store": "mongo", "mongo_uri": SECRET_URI, "mongo_db": "prg", "partitions": "2"}


def test_store_description_for_logs_never_shows_the_mongo_password():
    description = spark_source.describe_store({"store": "mongo", "mongo_uri": SECRET_URI, "mongo_db": "prg"})
    assert "hunter2" not in description and "prg" in description


def test_unknown_store_kind_is_refused_with_the_allowed_values():
    with pytest.raises(ValueError, match="'sqlite' or 'mongo'"):
        StoreReader({"store": "redis"}).partitions()


def test_partition_value_is_plain_json():
    partition = KeyRangePartition({"key_from": "a/b#1", "key_to": None})
    assert json.loads(partition.value) == {"key_from": "a/b#1", "key_to": None}
