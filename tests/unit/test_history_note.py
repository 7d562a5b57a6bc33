"""A check run says when PRGuard is still learning a repository, and where "typical" comes from."""
from __future__ import annotations

from app.check_runs import render_score
from prguard.features.profile import build_profile, profile_stats
from prguard.features.key_values import key_values
from prguard.features.summary import summarize
from prguard.profiles.learning import HistoryNote
from tests.support.training_data import make_prs
from tests.unit.test_check_runs import _score

DOC = make_prs(1, seed=2)[0]


def profile_of(n: int):
    return build_profile("acme/api", (profile_stats(summarize(d)) for d in make_prs(n, seed=5, repos=("acme/api",))))


def summary(profile, version, stored_prs, min_prs=50) -> str:
    note = HistoryNote.of(profile, version, stored_prs, min_prs)
    return render_score(_score(anomalous=False), [], "neutral", key_values(summarize(DOC), profile), note).summary


def test_without_history_the_run_says_it_compares_with_general_norms():
    text = summary(None, None, stored_prs=12)
    assert ("PRGuard is still learning this repository: 12 pull requests seen; compared with general norms"
            in text)
    assert "| | This PR | Typical (general norms: no history of this repository yet) |" in text


def test_a_thin_history_is_still_learning_and_says_what_typical_blends():
    text = summary(profile_of(12), 3, stored_prs=15)
    assert "still learning this repository: 12 pull requests seen" in text
    assert "Typical (general norms blended with 12 PRs here, profile v3)" in text


def test_enough_history_is_judged_by_the_repository_alone():
    text = summary(profile_of(80), 4, stored_prs=80)
    assert "still learning" not in text
    assert "| | This PR | Typical in this repository (80 PRs, profile v4) |" in text
    assert "Typical in this repository (80 PRs, the model's snapshot)" in summary(profile_of(80), None, 80)


def test_one_pull_request_is_singular_and_the_threshold_is_configurable():
    assert "1 pull request seen" in summary(None, None, stored_prs=1)
    assert "still learning" not in summary(profile_of(12), 1, stored_prs=12, min_prs=10)
