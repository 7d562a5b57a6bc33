"""Training/serving parity: no input of the learned model depends on the REST-only ``patch`` text."""
from __future__ import annotations

import copy

from prguard.demo import generator
from prguard.features import extraction
from tests.support import feature_corpus
from tests.support.live_twin import live


def without_patches(doc: dict) -> dict:
    """``doc`` as history stores it (GraphQL gives no patches)."""
    bare = copy.deepcopy(doc)
    for item in bare.get("files") or ():
        if isinstance(item, dict):
            item.pop("patch", None)
    return bare


def outputs(doc: dict, profile) -> tuple:
    summary = extraction.summarize(doc)
    explain = extraction.explainer(summary, profile)
    return (extraction.extract(summary, profile), [explain(n) for n in extraction.FEATURE_NAMES],
            extraction.sensitive_files(summary), extraction.profile_stats(summary))


def test_every_model_input_and_sentence_is_the_same_with_and_without_patches():
    docs = feature_corpus.corpus() + list(generator.generate(3, 300, seed=4))
    patched = 0
    for doc in docs:
        twin = live(doc, seed=3) if isinstance(doc.get("files"), list) else doc
        patched += any(isinstance(f, dict) and "patch" in f for f in twin.get("files") or ())
        assert outputs(twin, None) == outputs(without_patches(twin), None)
    assert patched > 100


def test_no_feature_is_named_after_content_only_a_live_pr_has():
    assert "pipes_to_shell" not in extraction.FEATURE_NAMES
    assert extraction.FEATURE_VERSION == "2"
