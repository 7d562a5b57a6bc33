"""The feature registry: names, twins, reasons, the vector, sentences and the key-values table all come from it."""
from __future__ import annotations

import collections
import dataclasses
import math

import pytest

from prguard.features import extraction, registry
from prguard.features.key_values import key_values
from prguard.features.profile import effective_profile
from prguard.features.registry import FEATURES, Feature
from prguard.features.summary import summarize
from tests.support.training_data import make_prs
from tests.unit.test_scoring import bundle  # noqa: F401  (the trained bundle fixture)

DOC = make_prs(1, seed=8)[0]


def test_names_twins_and_reasons_derive_from_the_entries():
    assert extraction.FEATURE_NAMES == registry.FEATURE_NAMES == tuple(f.name for f in FEATURES)
    assert registry.REPO_RELATIVE_TWIN == {f.name: f.twin for f in FEATURES if f.twin}
    assert registry.REASON_FEATURES == {f.name for f in FEATURES if f.reason}
    # behaviour unchanged: the twins the scorer used before the registry, and every feature may be a reason
    assert registry.REPO_RELATIVE_TWIN == {
        "log_changed_files": "rel_changed_files", "log_additions": "rel_changed_lines",
        "log_deletions": "rel_changed_lines", "log_commits": "rel_commits",
        "log_directories": "rel_directories", "log_top_level_areas": "rel_top_level_areas"}
    assert registry.REASON_FEATURES == set(registry.FEATURE_NAMES)
    assert set(registry.REPO_RELATIVE_TWIN.values()) <= set(registry.FEATURE_NAMES)


def test_the_key_values_table_is_the_rows_of_the_entries_in_order():
    summary = summarize(DOC)
    profile = effective_profile(None)
    rows = [f.row(summary, profile) for f in FEATURES if f.row is not None]
    assert key_values(summary, None) == [r for r in rows if r is not None]
    assert [what for what, _, _ in key_values(summary, None)][:6] == [
        "Files changed", "Lines changed", "Commits", "Directories", "Top-level areas", "Author association"]


TITLE_LENGTH = Feature("title_length", lambda s, p, m: math.log1p(len(s.title)),
                       lambda s, p: f"title is {len(s.title)} characters long", twin="rel_changed_files",
                       reason=False, row=lambda s, p: ("Title length", str(len(s.title)), "-"))


def test_adding_a_feature_is_one_entry():
    extended = FEATURES + (TITLE_LENGTH,)
    summary = summarize(DOC)
    assert registry.names(extended) == registry.FEATURE_NAMES + ("title_length",)
    vector = extraction.extract(summary, None, extended)
    assert vector[:-1] == extraction.extract(summary, None)
    assert vector[-1] == math.log1p(len(summary.title)) > 0
    explain = extraction.explainer(summary, None, extended)
    assert explain("title_length") == f"title is {len(summary.title)} characters long"
    assert explain("rel_commits") == extraction.explainer(summary, None)("rel_commits")
    assert key_values(summary, None, extended) == key_values(summary, None) + [
        ("Title length", str(len(summary.title)), "-")]
    assert registry.twins(extended) == {**registry.REPO_RELATIVE_TWIN, "title_length": "rel_changed_files"}
    assert registry.reasons(extended) == registry.REASON_FEATURES  # reason=False keeps it out
    # nothing global moved
    assert "title_length" not in registry.FEATURE_NAMES and len(FEATURES) == len(extraction.extract(summary, None))
    with pytest.raises(ValueError, match="unknown feature"):
        extraction.explainer(summary, None)("title_length")


def test_a_feature_the_registry_does_not_offer_is_never_a_reason(bundle, monkeypatch):  # noqa: F811
    docs = make_prs(60, seed=77)
    usual = collections.Counter(r["feature"] for result in bundle.score(docs) for r in result["reasons"])
    withheld = usual.most_common(1)[0][0]
    monkeypatch.setattr(registry, "REASON_FEATURES", registry.REASON_FEATURES - {withheld})
    scorer = dataclasses.replace(bundle)  # rebuilt: reads the registry's reason set anew
    results = scorer.score(docs)
    assert all(result["reasons"] for result in results)
    assert withheld not in {r["feature"] for result in results for r in result["reasons"]}
