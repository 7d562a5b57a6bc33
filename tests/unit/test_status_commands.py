"""`prguard status` and `prguard feedback` show what the store knows about each repository."""
from __future__ import annotations

from click.testing import CliRunner

from prguard.cli import main
from prguard.history import backfill
from prguard.store.sqlite import SQLiteStore
from tests.support.training_data import make_prs


def seeded(tmp_path) -> dict:
    store = SQLiteStore(tmp_path / "prguard.sqlite3")
    docs = make_prs(12, seed=3, repos=("acme/api",))
    for doc in docs:
        store.prs.upsert(doc)
    number, sha = docs[0]["number"], docs[0]["head"]["sha"]
    profile = {"repo": "acme/api", "pr_count": 12, "quantiles": {}, "shares": {}, "counts": {}, "version": "1"}
    store.onboarding.save_profile("acme/api", profile, "backfill")
    backfill.queue(store, "acme/new", 9)
    store.checks.save_run({"repo": "acme/api", "number": number, "head_sha": sha, "status": "completed",
                          "conclusion": "neutral", "title": "Unusual for this repository", "model_version": "4"})
    store.checks.save_score({"repo": "acme/api", "number": number, "head_sha": sha, "score": 3.25, "threshold": 1.0,
                             "anomalous": True, "model_version": "4", "reasons": [{"feature": "touches_ci"}]})
    store.feedback.add("acme/api", number, sha, "expected", user="octo-lead")
    store.feedback.add("acme/api", 2, "b" * 40, "noise", user="someone")
    store.close()
    return {"PRGUARD_DATA_DIR": str(tmp_path), "number": str(number)}


def test_status_lists_history_profile_model_backfill_and_recent_runs(tmp_path):
    env = seeded(tmp_path)
    result = CliRunner().invoke(main, ["status"], env=env)
    assert result.exit_code == 0, result.output
    api, new = result.output.split("acme/new\n")
    assert "acme/api\n  history:  12 pull requests stored" in api
    assert "profile:  version 1 from backfill, 12 PRs" in api and "model:    version 4" in api
    assert "backfill: none" in api and "neutral  Unusual for this repository" in api
    assert "history:  0 pull requests stored" in new and "profile:  none" in new
    assert "backfill: queued: 0 of ? PRs, 0 API requests" in new
    only = CliRunner().invoke(main, ["status", "--repo", "acme/new"], env=env)
    assert "acme/api" not in only.output and "backfill: queued" in only.output


def test_feedback_lists_the_honoured_labels_with_what_was_accepted(tmp_path):
    env = seeded(tmp_path)
    result = CliRunner().invoke(main, ["feedback"], env=env)
    assert result.exit_code == 0, result.output
    (line,) = result.output.strip().splitlines()  # the "noise" label is not a "Mark as expected"
    assert f"acme/api#{env['number']} @" in line and "by octo-lead" in line and "accepted: score 3.25 (touches_ci)" in line
    empty = CliRunner().invoke(main, ["feedback", "--repo", "acme/web"], env=env)
    assert "No pull request was marked as expected in acme/web." in empty.output
