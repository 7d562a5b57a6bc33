"""The scoring rule for profiles: the newest stored profile moves only the repository-relative features;
the model's scaling is the bundle's. And the cache the worker reads the newest profile through."""
from __future__ import annotations

import numpy as np

from prguard.features import extraction as features
from prguard.features.summary import summarize
from prguard.profiles import BACKFILL_SOURCE, ProfileCache
from prguard.profiles.artefact import PROFILE_FEATURES
from prguard.store.sqlite import SQLiteStore
from tests.support.training_data import make_prs
from tests.unit import test_scoring

bundle = test_scoring.bundle  # the module-scoped trained bundle of the scoring tests


def big_prs_profile(repo: str) -> features.RepoProfile:
    """A repository where every PR is ten times the size of anything in the training data."""
    docs = make_prs(60, seed=3)
    for doc in docs:
        doc["base"]["repo"]["full_name"] = repo
        doc["files"] = [dict(f, filename=f"big/{i}/{f['filename']}") for f in doc.get("files") or []
                        for i in range(10)]
        doc["changed_files"], doc["additions"], doc["commits"] = len(doc["files"]), doc["additions"] * 10, 12
    return features.build_profile(repo, (features.profile_stats(summarize(d)) for d in docs))


def test_a_newer_profile_moves_only_the_repository_relative_features(bundle):
    docs = make_prs(40, seed=21)
    repo = docs[0]["base"]["repo"]["full_name"]
    docs = [d for d in docs if d["base"]["repo"]["full_name"] == repo]
    newer = big_prs_profile(repo)
    center, scale = bundle.scaler.center.copy(), bundle.scaler.scale.copy()

    snapshot_rows = bundle.vectors(docs)
    summaries = [features.summarize(d) for d in docs]
    newest_rows = bundle._vectors(summaries, [newer] * len(docs))
    changed = {bundle.feature_names[i] for i in np.flatnonzero((snapshot_rows != newest_rows).any(axis=0))}

    assert changed and changed <= PROFILE_FEATURES
    assert {"rel_changed_files", "rel_changed_lines"} <= changed
    # Scoring with the newest profile uses those rows; the scaler is untouched.
    by_newest = bundle.score(docs, lambda name: newer)
    by_snapshot = bundle.score(docs)
    expected = bundle.row_scores(newest_rows)
    assert [r["score"] for r in by_newest] == [round(float(x), 6) for x in expected]
    assert [r["score"] for r in by_newest] != [r["score"] for r in by_snapshot]
    assert np.array_equal(bundle.scaler.center, center) and np.array_equal(bundle.scaler.scale, scale)


def test_without_a_stored_profile_the_bundles_snapshot_applies(bundle):
    docs = make_prs(5, seed=8)
    assert bundle.score(docs, lambda name: None) == bundle.score(docs)
    repo = docs[0]["base"]["repo"]["full_name"]
    assert bundle.current_profile(repo, lambda name: None) is bundle.profile_for(repo)


def test_the_cache_follows_the_newest_version_and_decodes_each_version_once(tmp_path):
    store = SQLiteStore(tmp_path / "store.sqlite3")
    cache = ProfileCache(store)
    assert cache.lookup("acme/web") == (None, None)
    store.onboarding.save_profile("acme/web", big_prs_profile("acme/web").to_dict(), BACKFILL_SOURCE)
    first, version = cache.lookup("ACME/web")
    assert version == 1 and first.pr_count == 60
    assert cache.lookup("acme/web")[0] is first  # same version: the decoded (and blended) object is kept
    smaller = features.build_profile("acme/web", (features.profile_stats(summarize(d)) for d in make_prs(12, seed=4)))
    store.onboarding.save_profile("acme/web", smaller.to_dict(), "preprocess")
    second, version = cache.lookup("acme/web")
    assert version == 2 and second.pr_count == 12 and cache("acme/web") is second
    store.close()
