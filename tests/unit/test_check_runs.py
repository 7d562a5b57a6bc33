"""What a maintainer reads on a check run: verdict, reasons, table, annotations, the action button."""
from __future__ import annotations

import pytest

from prguard.features.extraction import build_profile, profile_stats
from prguard.features.key_values import key_values
from prguard.features.summary import summarize
from app.check_runs import (MAX_OUTPUT_CHARS, completion_bodies, external_id, in_progress_body, render_marked_expected,
                            render_no_model, render_score)


def _score(anomalous=True, value=3.0, threshold=1.5, reasons=None):
    return {
        "repo": "octo/widgets", "number": 7, "head_sha": "abcdef1234567890" * 2 + "abcdefab",
        "score": value, "threshold": threshold, "anomalous": anomalous, "model_version": "4",
        "reasons": reasons if reasons is not None else [
            {"feature": "log_changed_files", "value": 180, "typical": 2.0, "contribution": 0.9,
             "sentence": "Changes 180 files; PRs here usually change 2."},
            {"feature": "touches_ci", "value": 1.0, "typical": 0.01, "contribution": 0.5,
             "sentence": "Edits a CI workflow, which 1% of PRs here do."},
        ],
    }


@pytest.mark.parametrize("conclusion", ["neutral", "failure", "action_required"])
def test_unusual_pr_gets_the_configured_conclusion_and_a_mark_as_expected_button(conclusion):
    out = render_score(_score(), [], conclusion)
    assert out.conclusion == conclusion
    assert out.title.startswith("Unusual for this repository")
    assert out.actions == [{"label": "Mark as expected", "identifier": "mark_expected",
                            "description": "Tell PRGuard this change is expected"}]
    action = out.actions[0]
    assert len(action["label"]) <= 20 and len(action["identifier"]) <= 20 and len(action["description"]) <= 40


def test_typical_pr_succeeds_without_a_button():
    out = render_score(_score(anomalous=False, value=0.4), [], "failure")
    assert out.conclusion == "success"
    assert out.title.startswith("Typical for this repository")
    assert out.actions == []


def test_summary_explains_score_reasons_model_and_typical_values():
    doc = {"number": 5, "additions": 900, "deletions": 40, "changed_files": 3, "commits": 2,
           "author_association": "FIRST_TIME_CONTRIBUTOR", "base": {"repo": {"full_name": "acme/api"}},
           "head": {"sha": "abc"},
           "files": [{"filename": ".github/workflows/ci.yml", "additions": 890, "deletions": 40},
                     {"filename": "src/a.py", "additions": 5}, {"filename": "src/b.py", "additions": 5}]}
    usual = {**doc, "changed_files": 2, "additions": 10, "deletions": 2, "commits": 1, "files": [{"filename": "src/x.py"}]}
    profile = build_profile("acme/api", [profile_stats(summarize(usual))] * 400)
    out = render_score(_score(), [], "neutral", key_values(summarize(doc), profile))
    assert "score **3**" in out.summary and "threshold **1.5**" in out.summary and "2.0× the threshold" in out.summary
    assert "- Changes 180 files; PRs here usually change 2." in out.summary
    assert "- Edits a CI workflow, which 1% of PRs here do." in out.summary
    assert "Model version: `4`" in out.summary
    assert "| | This PR | Typical in this repository |" in out.summary
    assert "| Files changed | 3 | 2 |" in out.summary
    assert "| Lines changed | 940 (+900 / -40) | 12 |" in out.summary
    assert "| Author association | FIRST_TIME_CONTRIBUTOR | - |" in out.summary
    assert "| CI workflow changes | yes | in 0% of PRs |" in out.summary


def test_reasons_are_ordered_by_contribution_and_table_cells_cannot_break_the_table():
    reasons = [
        {"feature": "small", "value": "a|b", "typical": None, "contribution": 0.1, "sentence": "minor"},
        {"feature": "big", "value": 5, "typical": 1, "contribution": -2.0, "sentence": "major"},
    ]
    out = render_score(_score(reasons=reasons), [], "neutral", [("Title", "a|b", "x")])
    assert out.summary.index("- major") < out.summary.index("- minor")
    assert "| Title | a\\|b | x |" in out.summary


def test_sensitive_files_become_warning_annotations_on_line_one():
    out = render_score(_score(), [(".github/workflows/ci.yml", "changes a CI workflow")], "neutral")
    assert out.annotations == [{"path": ".github/workflows/ci.yml", "start_line": 1, "end_line": 1,
                                "annotation_level": "warning", "title": "Sensitive file",
                                "message": "changes a CI workflow"}]
    assert "`.github/workflows/ci.yml`: changes a CI workflow" in out.text


def test_more_than_50_annotations_go_out_in_batches_of_50():
    sensitive = [(f"bin/blob{i}.so", "adds a binary file") for i in range(120)]
    bodies = completion_bodies(render_score(_score(), sensitive, "neutral"), "prguard:x:y")
    assert [len(b["output"].get("annotations", [])) for b in bodies] == [50, 50, 20]
    assert bodies[0]["status"] == "completed" and bodies[0]["conclusion"] == "neutral"
    assert all("status" not in b and b["output"]["title"] and b["output"]["summary"] for b in bodies[1:])
    paths = [a["path"] for b in bodies for a in b["output"]["annotations"]]
    assert paths == [p for p, _ in sensitive]


def test_without_annotations_one_completing_request_is_sent():
    bodies = completion_bodies(render_score(_score(anomalous=False), [], "neutral"), "prguard:x:y")
    assert len(bodies) == 1 and "annotations" not in bodies[0]["output"]
    assert bodies[0]["actions"] == []


def test_summary_never_exceeds_githubs_limit():
    reasons = [{"feature": f"f{i}", "value": 1, "typical": 1, "contribution": 1.0, "sentence": "s" * 500}
               for i in range(300)]
    table = [(f"value {i}", "x" * 500, "1") for i in range(300)]
    out = render_score(_score(reasons=reasons), [], "neutral", table)
    assert len(out.summary) == MAX_OUTPUT_CHARS
    assert out.summary.endswith("characters here)")


def test_no_model_is_neutral_and_says_so():
    out = render_no_model("octo/widgets", "f" * 40, [("yarn.lock", "lockfile changed without its manifest")])
    assert out.conclusion == "neutral"
    assert "No model is registered" in out.summary and "prguard train" in out.summary
    assert out.annotations[0]["path"] == "yarn.lock"
    assert out.actions == []


def test_marked_expected_is_success_and_keeps_the_original_finding():
    previous = {"summary": "**Verdict: unusual** for `octo/widgets`", "text": "t", "model_version": "4"}
    out = render_marked_expected(previous, "bob")
    assert out.conclusion == "success"
    assert out.title == "Marked as expected by @bob"
    assert "The original finding" in out.summary and "**Verdict: unusual**" in out.summary
    assert out.model_version == "4" and out.actions == []


def test_in_progress_body_carries_the_external_id_of_the_head_sha():
    body = in_progress_body("PRGuard", "b" * 40, external_id("Octo/Widgets", "b" * 40))
    assert body["status"] == "in_progress" and body["head_sha"] == "b" * 40
    assert body["external_id"] == "prguard:octo/widgets:" + "b" * 40
    assert body["started_at"].endswith("Z")
