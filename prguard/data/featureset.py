"""Feature sets: versioned folders of Parquet rows, repository profiles and a manifest, in object storage.

Layout under the feature store (``settings.feature_store``)::

    <id>/part-00000.parquet ...   rows (see SCHEMA)
    <id>/profiles.json            {repo: RepoProfile.to_dict()}
    <id>/manifest.json            written LAST: its presence marks the set complete

Ids start with the UTC creation time, so they sort by age (``20261126T153000Z-1a2b3c4d``).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import secrets
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from prguard.data.objectstore import ObjectNotFound, ObjectStore

MANIFEST = "manifest.json"
PROFILES = "profiles.json"
SCHEMA = pa.schema([
    ("repo", pa.string()),
    ("number", pa.int64()),
    ("head_sha", pa.string()),
    ("created_at", pa.string()),
    ("updated_at", pa.string()),
    ("label", pa.string()),  # JSON of the demo data's `prguard_label`; never a model input
    ("expected", pa.bool_()),  # a maintainer marked this PR "expected"
    ("features", pa.list_(pa.float64())),  # ordered as the manifest's feature_names
])
COLUMNS = tuple(SCHEMA.names)
_ID_PATTERN = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]+$")


class FeatureSetNotFound(LookupError):
    """No complete feature set with that id (or none at all) in the store."""


@dataclasses.dataclass(frozen=True)
class FeatureSet:
    manifest: dict[str, Any]
    table: pa.Table
    profiles: dict[str, dict[str, Any]]  # repo -> RepoProfile.to_dict()

    @property
    def id(self) -> str:
        return self.manifest["id"]

    @property
    def feature_names(self) -> list[str]:
        return list(self.manifest["feature_names"])


def new_id(now: dt.datetime | None = None) -> str:
    """A fresh id that sorts after every id made earlier (to the second) and never collides."""
    now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def part_key(set_id: str, index: int) -> str:
    # One name per partition index: a retried or speculative Spark task overwrites, never duplicates.
    return f"{set_id}/part-{index:05d}.parquet"


def label_json(doc: dict[str, Any]) -> str | None:
    """The ``label`` column for a PR document: its ``prguard_label`` as JSON, when present."""
    label = doc.get("prguard_label")
    return None if label is None else json.dumps(label, sort_keys=True)


def to_table(rows: Iterable[dict[str, Any]]) -> pa.Table:
    """Rows (dicts with the COLUMNS) as a table with exactly SCHEMA."""
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for row in rows:
        for name in COLUMNS:
            columns[name].append(row.get(name))
    columns["expected"] = [bool(value) for value in columns["expected"]]
    columns["features"] = [[float(x) for x in values] for values in columns["features"]]
    return pa.Table.from_pydict(columns, schema=SCHEMA)


def parquet_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table.cast(SCHEMA), buffer, compression="zstd")
    return buffer.getvalue()


def write_part(store: ObjectStore, set_id: str, index: int, table: pa.Table) -> str:
    """Write one Parquet part file and return its key relative to the set."""
    key = part_key(set_id, index)
    store.put_bytes(key, parquet_bytes(table))
    return key.split("/", 1)[1]


def write_profiles(store: ObjectStore, set_id: str, profiles: dict[str, Any]) -> None:
    as_dicts = {repo: (p.to_dict() if hasattr(p, "to_dict") else p) for repo, p in sorted(profiles.items())}
    store.put_bytes(f"{set_id}/{PROFILES}", json.dumps(as_dicts, sort_keys=True).encode())


def write_manifest(store: ObjectStore, set_id: str, *, row_count: int, feature_names: list[str],
                   feature_version: Any, source: dict[str, Any], partitions: int, files: list[str],
                   created_at: dt.datetime | None = None) -> dict[str, Any]:
    """Write the manifest (the last step: it makes the set visible to readers) and return it."""
    created = (created_at or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    manifest = {
        "id": set_id,
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "row_count": int(row_count),
        "feature_names": list(feature_names),
        "feature_version": feature_version,
        "source": source,
        "partitions": int(partitions),
        "files": sorted(files),
    }
    store.put_bytes(f"{set_id}/{MANIFEST}", json.dumps(manifest, indent=2, sort_keys=True).encode())
    return manifest


def write(store: ObjectStore, rows: Iterable[dict[str, Any]], profiles: dict[str, Any],
          source: dict[str, Any], *, feature_names: list[str] | None = None,
          feature_version: Any = None, set_id: str | None = None) -> dict[str, Any]:
    """Write a small feature set in-process (tests, tiny installs) and return its manifest.

    ``source`` is ``{"store": kind, "snapshot": {"updated_at": newest, "pull_requests": count}}``.
    Feature names and version default to the shared feature module's.
    """
    if feature_names is None or feature_version is None:
        from prguard.features import extraction

        feature_names = list(extraction.FEATURE_NAMES) if feature_names is None else feature_names
        feature_version = extraction.FEATURE_VERSION if feature_version is None else feature_version
    set_id = set_id or new_id()
    table = to_table(rows)
    vectors = table.column("features").to_pylist()
    bad = [i for i, values in enumerate(vectors) if len(values) != len(feature_names)]
    if bad:
        raise ValueError(f"row {bad[0]} has a feature vector whose length is not {len(feature_names)}")
    files = [write_part(store, set_id, 0, table)]
    write_profiles(store, set_id, profiles)
    return write_manifest(store, set_id, row_count=table.num_rows, feature_names=feature_names,
                          feature_version=feature_version, source=source, partitions=1, files=files)


def list_ids(store: ObjectStore) -> list[str]:
    """Ids of complete feature sets (those with a manifest), oldest first."""
    ids = set()
    for key in store.list():
        set_id, _, name = key.partition("/")
        if name == MANIFEST and _ID_PATTERN.match(set_id):
            ids.add(set_id)
    return sorted(ids)


def latest_id(store: ObjectStore) -> str | None:
    """The newest complete feature set's id, or None when there is none."""
    ids = list_ids(store)
    return ids[-1] if ids else None


def read_manifest(store: ObjectStore, set_id: str) -> dict[str, Any]:
    try:
        return json.loads(store.get_bytes(f"{set_id}/{MANIFEST}"))
    except ObjectNotFound:
        raise FeatureSetNotFound(
            f"no complete feature set {set_id!r} in {store.uri}; run `prguard preprocess` to build one"
        ) from None


def read_profiles(store: ObjectStore, set_id: str) -> dict[str, dict[str, Any]]:
    """The repository profiles a feature set was built with: ``{repo: RepoProfile.to_dict()}``."""
    return json.loads(store.get_bytes(f"{set_id}/{PROFILES}"))


def read(store: ObjectStore, set_id: str | None = None) -> FeatureSet:
    """Load a feature set (the newest when ``set_id`` is None); rows come in (repo, number) order."""
    if set_id is None:
        set_id = latest_id(store)
        if set_id is None:
            raise FeatureSetNotFound(f"no feature set in {store.uri}; run `prguard preprocess` first")
    manifest = read_manifest(store, set_id)
    # Read exactly the files the manifest lists: leftovers of a failed earlier attempt are ignored.
    tables = [pq.read_table(io.BytesIO(store.get_bytes(f"{set_id}/{name}"))) for name in manifest["files"]]
    table = pa.concat_tables([t.cast(SCHEMA) for t in tables]) if tables else SCHEMA.empty_table()
    table = table.sort_by([("repo", "ascending"), ("number", "ascending")])
    return FeatureSet(manifest=manifest, table=table, profiles=read_profiles(store, set_id))
