"""The scorer bundle: the scoring path shared by `prguard score` and the service, and its folder format."""
from __future__ import annotations

import dataclasses
import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from batch.train import TrainConfig
from prguard import findings
from prguard.findings import Severity
from prguard.findings.verdict import decide
from prguard.features import extraction
from prguard.features.summary import summarize
from prguard.model.bundle import BundleError, ScorerBundle
from tests.support.training_data import START, bundle_of, make_prs, pr_doc

ROOT = Path(__file__).resolve().parents[2]

RESULT_KEYS = {"repo", "number", "head_sha", "score", "threshold", "anomalous", "model_version", "reasons"}
REASON_KEYS = {"feature", "value", "typical", "contribution", "sentence"}


@pytest.fixture(scope="module")
def bundle() -> ScorerBundle:
    return bundle_of(make_prs(400, seed=11), TrainConfig(epochs=25, seed=5), model_version="7", meta={"seed": 5})


def attack(kind: str, number: int = 9001, repo: str = "acme/api") -> dict:
    return pr_doc(repo, number, random.Random(number), START, kind)


def test_results_have_the_agreed_shape_and_readable_reasons(bundle):
    docs = make_prs(5, seed=99) + [attack("workflow_curl_pipe")]
    results = bundle.score(docs)
    assert [r["number"] for r in results] == [d["number"] for d in docs]
    for result in results:
        assert set(result) == RESULT_KEYS
        assert result["model_version"] == "7"
        assert result["anomalous"] == (result["score"] > result["threshold"])
        assert 1 <= len(result["reasons"]) <= 3
        for reason in result["reasons"]:
            assert set(reason) == REASON_KEYS
            assert reason["feature"] in extraction.FEATURE_NAMES
            assert isinstance(reason["sentence"], str) and len(reason["sentence"]) > 5
        contributions = [r["contribution"] for r in result["reasons"]]
        assert contributions == sorted(contributions, reverse=True)


def test_attack_archetypes_score_above_the_threshold_with_their_reason_first(bundle):
    normal = bundle.score(make_prs(200, seed=123))
    deletion = bundle.score([attack("mass_deletion")])[0]
    assert deletion["anomalous"]
    assert deletion["score"] > max(r["score"] for r in normal[:50])
    assert {r["feature"] for r in deletion["reasons"]} & {"log_deletions", "deletion_ratio", "rel_changed_lines",
                                                          "rel_changed_files", "log_changed_files"}
    assert sum(r["anomalous"] for r in normal) / len(normal) < 0.15


def test_a_curl_pipe_in_a_workflow_is_unusual_through_its_finding_whatever_the_score(bundle):
    """The model no longer reads patches; the content is a high finding, and either evidence decides."""
    doc = attack("workflow_curl_pipe")
    found = findings.check(doc, runner=None).findings
    assert ("pipe-to-shell", "high") in [(f.rule, f.severity.label) for f in found]
    assert decide(bundle.score([doc])[0], found, Severity.HIGH).unusual


def test_a_readme_installer_line_does_not_move_the_learned_score(bundle):
    """The line history never shows (no patches there) no longer makes a live PR "unusual": content is
    the findings layer's, which calls a README installer line at most a low finding."""
    doc = make_prs(1, seed=21)[0]
    doc["files"] = [{"filename": "README.md", "status": "modified", "additions": 2, "deletions": 0, "changes": 2,
                     "patch": "@@ -8,0 +9,2 @@\n+Install uv first:\n+curl -LsSf https://astral.sh/uv/install.sh | sh"}]
    doc.update(additions=2, deletions=0, changed_files=1)
    bare = dict(doc, files=[{k: v for k, v in doc["files"][0].items() if k != "patch"}])
    with_line, without = bundle.score([doc])[0], bundle.score([bare])[0]
    assert with_line["score"] == without["score"] and with_line["reasons"] == without["reasons"]
    assert not any("shell" in r["sentence"] for r in with_line["reasons"])
    found = findings.check(doc, runner=None).findings
    assert [(f.rule, f.severity.label) for f in found] == [("pipe-to-shell", "low")]


def test_an_unknown_repository_is_scored_against_global_norms(bundle):
    doc = make_prs(1, seed=5, repos=("someone/new-repo",))[0]
    assert bundle.profile_for("someone/new-repo") is None
    expected = bundle.row_scores(np.array([extraction.extract(summarize(doc), None)]))[0]
    assert bundle.score([doc])[0]["score"] == pytest.approx(float(expected), abs=1e-6)


def test_repository_names_match_case_insensitively(bundle):
    assert bundle.profile_for("ACME/API") is bundle.profile_for("acme/api") is not None


def test_a_bundle_folder_round_trip_scores_identically(bundle, tmp_path):
    docs = make_prs(20, seed=42) + [attack("mass_deletion")]
    loaded = ScorerBundle.load(bundle.save(tmp_path / "bundle"), model_version="7")
    assert loaded.score(docs) == bundle.score(docs)


def test_a_format_one_bundle_with_torch_weights_still_loads_and_scores_the_same(bundle, tmp_path):
    docs = make_prs(10, seed=43)
    folder = bundle.save(tmp_path / "bundle")
    manifest = json.loads((folder / "bundle.json").read_text())
    (folder / "bundle.json").write_text(json.dumps({**manifest, "format": 1}))
    torch.save({name: torch.from_numpy(array) for name, array in bundle.state_dict.items()},
               folder / "weights.pt")
    (folder / "weights.npz").unlink()
    assert ScorerBundle.load(folder, model_version="7").score(docs) == bundle.score(docs)


NO_TORCH_SCORING = """
import json, sys
sys.modules["torch"] = None  # any import of torch now fails
import app.worker, app.scoring_job, app.worker_context, prguard.model.registry
from prguard.model.bundle import ScorerBundle
docs = [json.loads(line) for line in open(sys.argv[2])]
print(json.dumps(ScorerBundle.load(sys.argv[1]).score(docs)))
"""


def test_the_worker_loads_and_scores_a_bundle_without_torch(bundle, tmp_path):
    docs = make_prs(5, seed=44)
    (tmp_path / "prs.jsonl").write_text("".join(json.dumps(doc) + "\n" for doc in docs))
    folder = bundle.save(tmp_path / "bundle")
    result = subprocess.run([sys.executable, "-c", NO_TORCH_SCORING, str(folder), str(tmp_path / "prs.jsonl")],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout) == json.loads(json.dumps(ScorerBundle.load(folder).score(docs)))


def test_a_bundle_of_an_unknown_format_is_refused(bundle, tmp_path):
    folder = bundle.save(tmp_path / "bundle")
    manifest = json.loads((folder / "bundle.json").read_text())
    (folder / "bundle.json").write_text(json.dumps({**manifest, "format": 99}))
    with pytest.raises(BundleError, match="format 99 is not supported"):
        ScorerBundle.load(folder)


def test_a_folder_without_a_bundle_is_reported(tmp_path):
    with pytest.raises(BundleError, match="bundle.json is missing"):
        ScorerBundle.load(tmp_path)


def test_a_model_trained_on_other_features_refuses_to_score(bundle):
    old = dataclasses.replace(bundle, feature_version="0")
    with pytest.raises(BundleError, match="prguard train"):
        old.score(make_prs(1))


@pytest.mark.parametrize("kind", ["workflow_curl_pipe", "binary_blob", "mass_deletion", "branch_injection"])
def test_reasons_name_what_is_unusual_about_the_pr_once_each(bundle, kind):
    result = bundle.score([attack(kind)])[0]
    sentences = [r["sentence"] for r in result["reasons"]]
    assert len(set(sentences)) == len(sentences)
    for reason in result["reasons"]:
        assert reason["value"] != reason["typical"], reason  # not "no CI workflow changed"


def test_a_size_typical_for_this_repository_is_never_offered_as_a_reason(bundle):
    """Size and spread reasons say "typical here": they appear only when the PR is atypical for its repository."""
    twins = {"log_changed_files": "rel_changed_files", "log_additions": "rel_changed_lines",
             "log_deletions": "rel_changed_lines", "log_commits": "rel_commits",
             "log_directories": "rel_directories", "log_top_level_areas": "rel_top_level_areas"}
    index = {name: i for i, name in enumerate(extraction.FEATURE_NAMES)}
    docs = make_prs(300, seed=321) + [attack(kind, 9100 + n) for n, kind in enumerate(
        ("workflow_curl_pipe", "binary_blob", "mass_deletion", "branch_injection"))]
    offered = 0
    for doc, result in zip(docs, bundle.score(docs)):
        row = extraction.extract(summarize(doc), bundle.profile_for(result["repo"]))
        for reason in result["reasons"]:
            twin = twins.get(reason["feature"])
            if twin:
                offered += 1
                assert abs(row[index[twin]]) >= 1.0, (reason, row[index[twin]])
    assert offered > 0  # the rule was exercised, not vacuous
