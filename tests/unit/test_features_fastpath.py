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
PINNED = {
    "stats": "de64076dcae7be7743f9c120fe7c2b31f489e0f9327ffd8f59da34410ee7ea53",
    "profiles": "5c19f5e45e233f5fdfe0f1c9c331f84e0cb01059d54ba6b67e3fad2783ce3e28",
    "vectors": "3dc8361154d63b2cbb8113279738641db3125b37cfd9909d6aa38b2bcc917dd7",
    "sentences": "a3064c65244b7511ed67a3a43fb73dcc9e9129516f4ac9f546d944510bd6fd43",
    "facts": "ed4039e4d979c4cb1e3707417de922a4f07417954d2b8d5b1134df9c472ad518",
    "sensitive_files": "547bb849acfa093d562168c803f437c9acb81472f99f04b2a8aacd3fd362ca74",
}


def test_outputs_match_the_values_models_were_trained_on():
    assert extraction.FEATURE_VERSION == "1"  # the pins below belong to this version
    assert feature_corpus.digests(feature_corpus.corpus()) == PINNED


def _same(a, b) -> bool:
    return json.dumps(a) == json.dumps(b)  # NaN-aware and exact (floats as repr)


def assert_fast_path_matches(doc, profile) -> None:
    """One summary used for everything, in scoring's order, equals each document-API call on its own."""
    summary = extraction.summarize(doc)
    vector = extraction.extract_summary(summary, profile)
    explain = extraction.explainer(summary, profile)
    sentences = [explain(name) for name in reversed(extraction.FEATURE_NAMES)][::-1]
    assert vector == extraction.extract(doc, profile)
    assert sentences == [extraction.explain(name, doc, profile) for name in extraction.FEATURE_NAMES]
    assert _same(extraction.stats_of(summary), extraction.profile_stats(doc))
    assert extraction.facts_of(summary) == extraction.facts(doc)
    assert extraction.sensitive_files_of(summary) == extraction.sensitive_files(doc)
    # a summary read in another order (stats before vector) caches the same values
    other = extraction.summarize(doc)
    assert _same(extraction.stats_of(other), extraction.stats_of(summary))
    assert extraction.sensitive_files_of(other) == extraction.sensitive_files_of(summary)
    assert extraction.extract_summary(other, profile) == vector


@pytest.fixture(scope="module")
def demo_docs() -> list[dict]:
    return list(generator.generate(6, 1000, seed=1))


@pytest.fixture(scope="module")
def demo_profiles(demo_docs) -> dict[str, extraction.RepoProfile]:
    history: dict[str, list] = {}
    for doc in demo_docs:
        history.setdefault(pr_identity(doc)[0], []).append(extraction.profile_stats(doc))
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
    return extraction.build_profile("acme/lib", [extraction.profile_stats(d) for d in feature_corpus.corpus(40)])


# ---- the shortcuts inside the fast path, against the definitions they replace ----------------------------
def naive_pipes_to_shell(patch) -> bool:
    return isinstance(patch, str) and any(paths.PIPE_TO_SHELL.search(line) for line in paths.added_lines(patch))


# Letters re.IGNORECASE equates with ASCII ones (Kelvin sign, long s, dotted/dotless i) and line breaks
# str.splitlines honours besides "\n".
tricky = st.text(alphabet=st.sampled_from(list("curlwgetiwrbase64invoke-webrequestCURL|sh+ -d<(\n\r") +
                                          ["\u212a", "\u017f", "\u0130", "\u0131", "\u2028", "\x85", "é"]),
                 max_size=80)


@settings(max_examples=400, deadline=None)
@given(patch=st.one_of(tricky, st.text(max_size=80), st.sampled_from(feature_corpus.PATCHES)))
def test_pipe_to_shell_shortcut_decides_like_the_per_line_search(patch):
    assert paths.pipes_to_shell(patch) == naive_pipes_to_shell(patch)
    if patch is not None:  # the same text as an added line
        assert paths.pipes_to_shell("+" + patch) == naive_pipes_to_shell("+" + patch)


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
    before = extraction.extract_summary(summary, None)
    extraction.facts_of(summary)["ci_files"].clear()
    summary.orphan_lockfiles.clear()
    extraction.stats_of(summary)["touches_ci"] = 0.0
    assert extraction.extract_summary(summary, None) == before
    assert extraction.facts_of(summary)["ci_files"] == [".github/workflows/ci.yml"]


def test_a_profile_blends_once_and_a_replaced_profile_blends_anew():
    profile = dataclasses.replace(corpus_profile())
    assert profile.blended() is profile.blended()
    assert profile.blended() == profile._blend()
    more = dataclasses.replace(profile, counts={k: v * 50 for k, v in profile.counts.items()})
    assert more.blended() == more._blend() != profile.blended()
    assert extraction.RepoProfile.from_dict(profile.to_dict()) == profile  # the cache is not part of the data
