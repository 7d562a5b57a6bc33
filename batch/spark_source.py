"""A PySpark data source reading PR documents from the store (SQLite or MongoDB) by key ranges."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition

from prguard import validation
from prguard.store import InvalidPullRequest, Store
from prguard.store.docs import canonical_timestamp, identify_pull_request

FORMAT = "prguard_store"
# ``key`` is the store's PR key; ``problem`` says why a stored document cannot be used (then every
# other column is null), so the job skips it by key instead of failing for every repository.
SCHEMA = ("repo string, number long, head_sha string, created_at string, updated_at string, doc string, "
          "key string, problem string")
# Spark redacts the values of options whose names match spark.sql.redaction.options.regex in plans, the
# UI and event logs; the session sets that regex to cover this option, which may carry a password.
MONGO_URI_OPTION = "mongo_uri"
REDACTED_OPTIONS_REGEX = "(?i)url|uri|secret|password|token"


def store_options(settings, partitions: int) -> dict[str, str]:
    """Data source options that let any executor open the same store the settings select.

    SQLite is the embedded mode: on a cluster its file must sit on storage every executor mounts,
    which is why production uses MongoDB (every executor connects to the same server).
    """
    if settings.mongo_uri:
        options = {"store": "mongo", MONGO_URI_OPTION: settings.mongo_uri, "mongo_db": settings.mongo_db}
    else:
        options = {"store": "sqlite", "sqlite_path": str(Path(settings.sqlite_path).resolve())}
    options["partitions"] = str(int(partitions))
    return options


def describe_store(options: dict[str, str]) -> str:
    """Where the store is, for logs and manifests: never the MongoDB URI, which may hold a password."""
    if options.get("store") == "mongo":
        return f"mongo database {options.get('mongo_db')!r}"
    return f"sqlite {options.get('sqlite_path')}"


def open_store_from_options(options: dict[str, str]) -> Store:
    kind = options.get("store")
    if kind == "sqlite":
        from prguard.store.sqlite import SQLiteStore

        return SQLiteStore(options["sqlite_path"])
    if kind == "mongo":
        from prguard.store.mongo import MongoStore

        return MongoStore.from_uri(options[MONGO_URI_OPTION], options.get("mongo_db") or "prguard")
    raise ValueError(f"option 'store' must be 'sqlite' or 'mongo', got {kind!r}")


def _timestamp(value: Any) -> str | None:
    try:
        return canonical_timestamp(value)
    except ValueError:
        return None


def document_row(key: str, doc: Any) -> tuple:
    """One row of SCHEMA. Times are canonical UTC strings, so they sort correctly as text.

    A document that fails the rules webhooks and imports enforce (written before they existed, or
    straight into the database) becomes a row with only ``key`` and ``problem`` set.
    """
    try:
        if doc is None:
            raise InvalidPullRequest("the stored text is not JSON")
        ident = identify_pull_request(doc)
        validation.check_tree(doc)
        text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    except (ValueError, TypeError, RecursionError) as exc:  # InvalidPullRequest and InvalidJSON included
        return (None, None, None, None, None, None, key, f"{type(exc).__name__}: {exc}"[:300])
    return (ident.repo, ident.number, ident.head_sha, _timestamp(doc.get("created_at")), ident.updated_at,
            text, key, None)


class KeyRangePartition(InputPartition):
    """One store key range (as ``store.prs.partition`` describes it)."""

    def __init__(self, key_range: dict[str, Any]):
        super().__init__(json.dumps(key_range, sort_keys=True))

    @property
    def key_range(self) -> dict[str, Any]:
        return json.loads(self.value)


class StoreReader(DataSourceReader):
    """Plans partitions on the driver and reads each key range inside an executor's Python worker.

    The store is opened where it is used (never pickled across processes): connections do not travel.
    """

    def __init__(self, options: dict[str, str]):
        self.options = dict(options)

    def open_store(self) -> Store:
        return open_store_from_options(self.options)

    def partitions(self) -> list[KeyRangePartition]:
        store = self.open_store()
        try:
            ranges = store.prs.partition(max(int(self.options.get("partitions", "2")), 1))
        finally:
            store.close()
        return [KeyRangePartition(r) for r in ranges]

    def read(self, partition: KeyRangePartition) -> Iterator[tuple]:
        store = self.open_store()
        try:
            for key, doc in store.prs.iter_range(partition.key_range):
                yield document_row(key, doc)
        finally:
            store.close()


class StoreDataSource(DataSource):
    """``spark.read.format("prguard_store").options(**store_options(settings, n)).load()``."""

    @classmethod
    def name(cls) -> str:
        return FORMAT

    def schema(self) -> str:
        return SCHEMA

    def reader(self, schema) -> StoreReader:
        return StoreReader(dict(self.options))
