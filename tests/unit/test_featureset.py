"""Feature sets: the layout, manifest and read-back that training relies on."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from prguard.data import featureset, objectstore

NAMES = ["files_changed", "additions"]
SOURCE = {"store": "sqlite", "snapshot": {"updated_at": "2026-01-02T00:00:00.000000Z", "pull_requests": 3}}


def _row(repo, number, features, label=None, expected=False):
    return {"repo": repo, "number": number, "head_sha": f"sha{number}", "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-02T00:00:00Z", "label": label, "expected": expected, "features": features}


@pytest.fixture
def store(tmp_path):
    return objectstore.for_uri(str(tmp_path / "features"))


def test_write_then_read_gives_back_rows_profiles_and_manifest(store):
    rows = [_row("b/r", 2, [1, 2.5]), _row("a/r", 7, [3.0, 0.0], label='{"anomalous": true}', expected=True),
            _row("a/r", 1, [0.5, 0.25])]
    manifest = featureset.write(store, rows, {"a/r": {"median": 1.0}}, SOURCE, feature_names=NAMES,
                                feature_version=3)
    loaded = featureset.read(store, manifest["id"])
    assert loaded.manifest == manifest
    assert loaded.profiles == {"a/r": {"median": 1.0}}
    assert loaded.table.schema == featureset.SCHEMA
    assert loaded.table.column("repo").to_pylist() == ["a/r", "a/r", "b/r"]
    assert loaded.table.column("number").to_pylist() == [1, 7, 2]
    assert loaded.table.column("features").to_pylist() == [[0.5, 0.25], [3.0, 0.0], [1.0, 2.5]]
    assert loaded.table.column("expected").to_pylist() == [False, True, False]
    assert json.loads(loaded.table.column("label").to_pylist()[1]) == {"anomalous": True}
    assert manifest["row_count"] == 3 and manifest["feature_names"] == NAMES
    assert manifest["feature_version"] == 3 and manifest["source"] == SOURCE
    assert manifest["files"] == ["part-00000.parquet"] and manifest["partitions"] == 1


def test_latest_id_is_the_newest_complete_set(store):
    assert featureset.latest_id(store) is None
    old = featureset.new_id(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    new = featureset.new_id(dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc))
    featureset.write(store, [_row("a/r", 1, [1, 2])], {}, SOURCE, feature_names=NAMES, feature_version=1,
                     set_id=old)
    featureset.write(store, [_row("a/r", 1, [1, 2])], {}, SOURCE, feature_names=NAMES, feature_version=1,
                     set_id=new)
    # A newer set without a manifest is still being written (or died): readers must not see it.
    unfinished = featureset.new_id(dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc))
    featureset.write_part(store, unfinished, 0, featureset.to_table([_row("a/r", 1, [1, 2])]))
    assert featureset.list_ids(store) == [old, new]
    assert featureset.latest_id(store) == new
    assert featureset.read(store).id == new


def test_ids_sort_by_creation_time():
    earlier = featureset.new_id(dt.datetime(2026, 11, 26, 15, 30, tzinfo=dt.timezone.utc))
    later = featureset.new_id(dt.datetime(2026, 11, 26, 15, 30, 1, tzinfo=dt.timezone.utc))
    assert earlier.startswith("20261126T153000Z-")
    assert earlier < later


def test_read_ignores_part_files_the_manifest_does_not_list(store):
    manifest = featureset.write(store, [_row("a/r", 1, [1, 2])], {}, SOURCE, feature_names=NAMES,
                                feature_version=1)
    featureset.write_part(store, manifest["id"], 9, featureset.to_table([_row("x/y", 5, [9, 9])]))
    assert featureset.read(store, manifest["id"]).table.num_rows == 1


def test_missing_sets_explain_how_to_make_one(store):
    with pytest.raises(featureset.FeatureSetNotFound, match="prguard preprocess"):
        featureset.read(store)
    with pytest.raises(featureset.FeatureSetNotFound, match="20990101T000000Z-00"):
        featureset.read(store, "20990101T000000Z-00")


def test_write_rejects_vectors_that_do_not_match_the_feature_names(store):
    with pytest.raises(ValueError, match="length"):
        featureset.write(store, [_row("a/r", 1, [1.0])], {}, SOURCE, feature_names=NAMES, feature_version=1)
    assert featureset.latest_id(store) is None
