"""Sensitive-path rules: each kind of file a reviewer should look at, as features, summary lists and annotations."""
from __future__ import annotations

import pytest

from prguard.features import extraction, paths
from prguard.features.extraction import FEATURE_NAMES, build_profile, extract, profile_stats
from prguard.features.summary import summarize
from tests.support.pull_requests import ABSENT, pull_request


def with_files(*files: dict, **overrides) -> dict:
    fields = {"number": 1, "title": "Change", "body": "Why.", "user": {"login": "bob"},
              "created_at": "2024-01-02T09:00:00Z", "updated_at": "2024-01-02T09:00:00Z",
              "additions": sum(f.get("additions", 0) for f in files), "deletions": 0,
              "changed_files": len(files), "state": ABSENT, "draft": ABSENT, **overrides}
    return pull_request(files=list(files), repo="acme/app", head_sha="1" * 40, head_ref="topic", **fields)


def changed(path, additions=3, deletions=1, status="modified", patch="@@ -1 +1 @@\n-a\n+b") -> dict:
    item = {"filename": path, "status": status, "additions": additions, "deletions": deletions,
            "changes": additions + deletions}
    if patch is not None:
        item["patch"] = patch
    return item


def values(doc) -> dict[str, float]:
    return dict(zip(FEATURE_NAMES, extract(summarize(doc), None)))


@pytest.mark.parametrize("path,feature,reason", [
    (".github/workflows/release.yml", "touches_ci", "CI workflow"),
    (".github/actions/setup/action.yml", "touches_ci", "CI workflow"),
    (".gitlab-ci.yml", "touches_ci", "CI workflow"),
    ("Jenkinsfile", "touches_ci", "CI workflow"),
    ("Makefile", "touches_build", "build or install script"),
    ("scripts/release.sh", "touches_build", "build or install script"),
    ("docker/Dockerfile.prod", "touches_build", "build or install script"),
    ("setup.py", "touches_build", "build or install script"),
    ("package.json", "touches_manifest", "dependency manifest"),
    ("services/api/go.mod", "touches_manifest", "dependency manifest"),
    ("requirements-dev.txt", "touches_manifest", "dependency manifest"),
    (".github/CODEOWNERS", "touches_policy", "policy file"),
    ("SECURITY.md", "touches_policy", "policy file"),
    (".github/dependabot.yml", "touches_policy", "policy file"),
    (".gitmodules", "touches_policy", "policy file"),
])
def test_each_sensitive_path_rule(path, feature, reason):
    doc = with_files(changed(path), changed("src/app.py"))
    assert values(doc)[feature] == 1.0
    assert values(with_files(changed("src/app.py")))[feature] == 0.0
    assert dict(extraction.sensitive_files(summarize(doc)))[path].count(reason) == 1
    assert path in extraction.explainer(summarize(doc), None)(feature)


def test_ordinary_files_are_not_sensitive():
    doc = with_files(changed("src/app.py"), changed("README.md"), changed("docs/img/logo.png", 0, 0, patch=None),
                     changed("tests/test_app.py"), changed("config/dependabot.yml"))
    assert extraction.sensitive_files(summarize(doc)) == []
    assert all(values(doc)[name] == 0.0 for name in ("touches_ci", "touches_build", "touches_manifest",
                                                     "touches_policy", "log_binary_files", "sensitive_rarity"))


def test_lockfile_without_its_manifest():
    lock_only = with_files(changed("package-lock.json", 40, 40))
    with_manifest = with_files(changed("package.json", 1, 1), changed("package-lock.json", 40, 40))
    other_dir = with_files(changed("web/package.json"), changed("package-lock.json"))
    assert values(lock_only)["lockfile_without_manifest"] == 1.0
    assert values(with_manifest)["lockfile_without_manifest"] == 0.0
    assert values(other_dir)["lockfile_without_manifest"] == 1.0  # a manifest elsewhere does not count
    assert ("package-lock.json", "lockfile changed without its manifest") in extraction.sensitive_files(summarize(lock_only))
    assert extraction.explainer(summarize(lock_only), None)("lockfile_without_manifest") == \
        "changes a lockfile without its manifest (package-lock.json)"
    assert paths.orphan_lockfiles(["go.sum", "go.mod"]) == []
    assert paths.orphan_lockfiles(["svc/Cargo.lock"]) == ["svc/Cargo.lock"]


def test_binary_files_by_extension_and_by_githubs_missing_patch():
    blob = with_files(changed("tests/files/bad-3.xz", 0, 0, status="added", patch=None))
    unknown_ext = with_files(changed("tests/data/payload.thing", 0, 0, status="added", patch=None))
    image = with_files(changed("docs/diagram.png", 0, 0, status="added", patch=None))
    huge_text = with_files(changed("data/big.csv", 9000, 0, status="added", patch=None))  # diff too large
    assert values(blob)["log_binary_files"] > 0 and values(unknown_ext)["log_binary_files"] > 0
    assert values(image)["log_binary_files"] == 0.0 and values(huge_text)["log_binary_files"] == 0.0
    assert extraction.explainer(summarize(blob), None)("log_binary_files") == "adds or changes 1 binary file (tests/files/bad-3.xz)"


def test_sensitive_rarity_depends_on_how_often_this_repository_does_it():
    ci_change = with_files(changed(".github/workflows/ci.yml"))
    ordinary = with_files(changed("src/app.py"))
    ci_heavy = build_profile("acme/app", [profile_stats(summarize(ci_change))] * 60 + [profile_stats(summarize(ordinary))] * 40)
    ci_rare = build_profile("acme/app", [profile_stats(summarize(ordinary))] * 500)
    rare_here = dict(zip(FEATURE_NAMES, extract(summarize(ci_change), ci_rare)))["sensitive_rarity"]
    routine_here = dict(zip(FEATURE_NAMES, extract(summarize(ci_change), ci_heavy)))["sensitive_rarity"]
    assert routine_here < 0.15 < 0.5 < rare_here
    assert "under 1% of PRs here" in extraction.explainer(summarize(ci_change), ci_rare)("sensitive_rarity")


def test_the_summary_lists_the_sensitive_files():
    doc = with_files(changed(".github/workflows/ci.yml"), changed("yarn.lock"), changed("CODEOWNERS"))
    summary = summarize(doc)
    assert summary.paths_in(paths.CI) == [".github/workflows/ci.yml"]
    assert summary.orphan_lockfiles == ["yarn.lock"] and summary.paths_in(paths.POLICY) == ["CODEOWNERS"]
    assert summary.files_known is True and len(summary.directories) == 2
    no_files = dict(doc)
    del no_files["files"]
    assert summarize(no_files).files_known is False and extraction.sensitive_files(summarize(no_files)) == []
