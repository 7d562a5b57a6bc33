"""The fast feature path gives exactly the values saved models were trained on, whichever way it is called."""
from __future__ import annotations

import dataclasses
import functools
import json
import math
import posixpath

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from prguard.demo import generator
from prguard.features import extraction, paths, summary
from prguard.model.bundle import pr_identity
from tests.support import feature_corpus
from tests.unit.test_features_properties import documents

# Digests of every output on feature_corpus.corpus(), computed with the feature code as it was before it
# was made faster. A mismatch means a feature value, profile statistic or sentence changed: models trained
# on the old values would score wrongly. If the change is intended, bump FEATURE_VERSION and re-pin these.
# Re-pinned for version 2 (pipes_to_shell left the model; patches are no input of any value below).
# The facts digest went with extraction.facts (nothing but tests read it); the others did not move.
PINNED = {
    "stats": "2369c580a2565abd1269c88b7f366070e2535ac753c4a94ef8acedbbfbe76895",
    "profiles": "29c3292a702040437fc8489a1a6ccf11f3d1ea9ab2d7bda02c369eadda771b4b",
    "vectors": "8ea227d1068483653f9659a3f94db890b91d0f440a3cd75ba6919e21b5fcbbe9",
    "sentences": "9b7c1ff7510551c14acd0e008766f611df429b057781a171f2c43b94c97a224e",
    "sensitive_files": "307ea36f1fc89f9498960b04178125cc621f85c23a8544422a0617bcd24c6790",
}


def test_outputs_match_the_values_models_were_trained_on():
    assert extraction.FEATURE_VERSION == "2"  # the pins below belong to this version
    assert feature_corpus.digests(feature_corpus.corpus()) == PINNED


def _same(a, b) -> bool:
    return json.dumps(a) == json.dumps(b)  # NaN-aware and exact (floats as repr)


def fresh(doc):
    """A new summary of ``doc``, nothing read from it yet (its derived values are cached on first use)."""
    return extraction.summarize(doc)


def assert_fast_path_matches(doc, profile) -> None:
    """One summary used for everything, in scoring's order, equals each function on a fresh summary."""
    summary = extraction.summarize(doc)
    vector = extraction.extract(summary, profile)
    explain = extraction.explainer(summary, profile)
    sentences = [explain(name) for name in reversed(extraction.FEATURE_NAMES)][::-1]
    assert vector == extraction.extract(fresh(doc), profile)
    assert sentences == [extraction.explainer(fresh(doc), profile)(name) for name in extraction.FEATURE_NAMES]
    assert _same(extraction.profile_stats(summary), extraction.profile_stats(fresh(doc)))
    assert extraction.sensitive_files(summary) == extraction.sensitive_files(fresh(doc))
    # a summary read in another order (stats before vector) caches the same values
    other = extraction.summarize(doc)
    assert _same(extraction.profile_stats(other), extraction.profile_stats(summary))
    assert extraction.sensitive_files(other) == extraction.sensitive_files(summary)
    assert extraction.extract(other, profile) == vector


@pytest.fixture(scope="module")
def demo_docs() -> list[dict]:
    return list(generator.generate(6, 1000, seed=1))


@pytest.fixture(scope="module")
def demo_profiles(demo_docs) -> dict[str, extraction.RepoProfile]:
    history: dict[str, list] = {}
    for doc in demo_docs:
        history.setdefault(pr_identity(doc)[0], []).append(extraction.profile_stats(fresh(doc)))
    return {repo: extraction.build_profile(repo, rows) for repo, rows in history.items()}


def test_demo_and_github_prs_give_the_same_values_on_both_paths(demo_docs, demo_profiles):
    github = feature_corpus.corpus(size=0)
    assert len(demo_docs) >= 1000 and len(github) >= 20
    for doc in demo_docs + github:  # (without a profile: the corpus and hypothesis tests cover it)
        assert_fast_path_matches(doc, demo_profiles.get(pr_identity(doc)[0]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents)
def test_partial_and_garbled_documents_give_the_same_values_on_both_paths(doc):
    assert_fast_path_matches(doc, None)
    assert_fast_path_matches(doc, corpus_profile())


@functools.lru_cache(maxsize=1)
def corpus_profile() -> extraction.RepoProfile:
    return extraction.build_profile("acme/lib", [extraction.profile_stats(fresh(d)) for d in feature_corpus.corpus(40)])


@settings(max_examples=300, deadline=None)
@given(path=st.one_of(st.text(alphabet="/a.", max_size=8), st.text(max_size=20)))
def test_directory_is_posix_dirname(path):
    assert paths.directory(path) == (posixpath.dirname(path) or ".")


@settings(max_examples=300, deadline=None)
@given(changed=st.lists(st.one_of(st.sampled_from(feature_corpus.PATHS), st.text(alphabet="/aG.", max_size=6),
                                  st.sampled_from(list(paths.LOCKFILES))), max_size=8))
def test_orphan_lockfiles_match_their_definition(changed):
    lowered = {p.lower() for p in changed}
    expected = [p for p in changed
                if (ms := paths.LOCKFILES.get(posixpath.split(p.lower())[1]))
                and not any(posixpath.join(posixpath.split(p.lower())[0], m) in lowered for m in ms)]
    assert paths.orphan_lockfiles(changed) == expected


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.integers(-5, 10**13), st.sampled_from([10**12, 10**12 + 1, 0, -1]), st.floats(),
                       st.booleans(), st.none(), st.text(max_size=3)))
def test_counts_are_read_as_before(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        expected = None
    else:
        expected = int(min(value, 1e12))
    got = summary._count(value)
    assert got == expected and type(got) is type(expected)


def test_summary_lists_are_copies_so_callers_cannot_change_later_features():
    files = [{"filename": ".github/workflows/ci.yml", "patch": "+x"}, {"filename": "package-lock.json", "patch": "+x"}]
    doc = feature_corpus.corpus(size=0)[0] | {"files": files}
    summary = extraction.summarize(doc)
    before = extraction.extract(summary, None)
    summary.paths_in(paths.CI).clear()
    summary.orphan_lockfiles.clear()
    extraction.profile_stats(summary)["touches_ci"] = 0.0
    assert extraction.extract(summary, None) == before
    assert summary.paths_in(paths.CI) == [".github/workflows/ci.yml"]


def test_a_profile_blends_once_and_a_replaced_profile_blends_anew():
    profile = dataclasses.replace(corpus_profile())
    assert profile.blended() is profile.blended()
    assert profile.blended() == profile._blend()
    more = dataclasses.replace(profile, counts={k: v * 50 for k, v in profile.counts.items()})
    assert more.blended() == more._blend() != profile.blended()
    assert extraction.RepoProfile.from_dict(profile.to_dict()) == profile  # the cache is not part of the data
