"""Demo data: deterministic, GitHub-shaped, heavy-tailed, several repository norms, labelled archetypes."""
from __future__ import annotations

import collections
import datetime as dt
import json
import math
import statistics

import pytest
from click.testing import CliRunner

from prguard.cli import main
from prguard.demo.anomalies import ARCHETYPES
from prguard.demo.generator import generate
from prguard import findings
from prguard.features import paths
from prguard.features.summary import summarize


@pytest.fixture(scope="module")
def docs():
    return list(generate(6, 1500, seed=11))


def test_same_seed_same_data_other_seed_other_data(docs):
    assert json.dumps(list(generate(6, 1500, seed=11))) == json.dumps(docs)
    assert json.dumps(list(generate(6, 200, seed=12))) != json.dumps(docs[:200])


def test_documents_have_the_rest_shape_and_consistent_counts(docs):
    assert len(docs) == 1500
    keys = collections.Counter()
    for doc in docs:
        assert {"number", "title", "body", "state", "draft", "user", "author_association", "created_at",
                "updated_at", "closed_at", "merged_at", "head", "base", "additions", "deletions",
                "changed_files", "commits", "labels", "files"} <= doc.keys()
        assert doc["base"]["repo"]["default_branch"] and len(doc["head"]["sha"]) == 40
        assert doc["changed_files"] == len(doc["files"])
        assert doc["additions"] == sum(f["additions"] for f in doc["files"])
        assert doc["created_at"] <= doc["updated_at"]
        keys[(doc["base"]["repo"]["full_name"], doc["number"])] += 1
        for item in doc["files"]:
            assert {"filename", "status", "additions", "deletions", "changes"} <= item.keys()
    assert max(keys.values()) == 1  # (repo, number) identifies a PR


def test_sizes_are_heavy_tailed_with_github_like_quantiles(docs):
    sizes = sorted(d["changed_files"] for d in docs)
    median, p99 = sizes[len(sizes) // 2], sizes[int(len(sizes) * 0.99)]
    assert 1 <= median <= 4 and 60 <= p99 <= 400


def test_repositories_have_different_norms(docs):
    by_repo = collections.defaultdict(list)
    for doc in docs:
        by_repo[doc["base"]["repo"]["full_name"]].append(math.log1p(doc["changed_files"]))
    assert len(by_repo) == 6
    means = sorted(statistics.fmean(v) for v in by_repo.values())
    assert means[-1] - means[0] > 0.7  # the monorepo's PRs are several times bigger than the small library's


def test_recurring_and_new_authors_and_working_hours(docs):
    authors = collections.Counter(d["user"]["login"] for d in docs)
    assert authors.most_common(1)[0][1] > 50 and sum(1 for n in authors.values() if n == 1) > 30
    associations = {d["author_association"] for d in docs}
    assert {"OWNER", "MEMBER", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR", "NONE"} <= associations
    weekdays = sum(1 for d in docs if dt.datetime.fromisoformat(d["created_at"][:-1]).weekday() < 5)
    assert weekdays / len(docs) > 0.8
    years = {d["created_at"][:4] for d in docs}
    assert len(years) >= 2


def test_archetypes_are_rare_labelled_and_all_present(docs):
    labels = [d["prguard_label"] for d in docs]
    anomalies = [label["archetype"] for label in labels if label["anomaly"]]
    assert 0.008 < len(anomalies) / len(docs) < 0.03
    assert set(anomalies) == {a.__name__ for a in ARCHETYPES}
    assert all(label["archetype"] is None for label in labels if not label["anomaly"])


def test_normal_data_contains_the_legitimate_lookalikes(docs):
    normal = [d for d in docs if not d["prguard_label"]["anomaly"]]
    summaries = [summarize(d) for d in normal]
    assert sum(1 for s in summaries if s.paths_in(paths.CI)) > 20
    installers = [d for d in normal if any(f.rule == "pipe-to-shell" for f in findings.check(d, runner=None).findings)]
    assert len(installers) >= 3  # CI installing tools with curl | sh
    kinds = collections.Counter(d["prguard_label"]["lookalike"] for d in normal if d["prguard_label"]["lookalike"])
    assert set(kinds) == {"ci_installer", "lockfile_refresh", "binary_fixture", "action_sha_bump", "new_workflow"}
    assert min(kinds.values()) >= 3
    assert all(any(f.rule == "pipe-to-shell" for f in findings.check(d, runner=None).findings)
               for d in normal if d["prguard_label"]["lookalike"] == "ci_installer")
    assert sum(1 for s in summaries if s.orphan_lockfiles) >= 5  # go mod tidy, npm audit fix
    assert sum(1 for s in summaries if s.binary_paths) >= 3
    assert sum(1 for s in summaries if s.changed_files >= 100) >= 10
    assert sum(1 for d in normal if d["user"]["type"] == "Bot") > 100


def test_cli_writes_json_lines(tmp_path):
    out = tmp_path / "demo.jsonl"
    result = CliRunner().invoke(main, ["demo-data", "--repos", "2", "--prs", "40", "--out", str(out),
                                       "--seed", "5"])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert len(lines) == 40 and all(json.loads(line)["number"] > 0 for line in lines)
    assert len({json.loads(line)["base"]["repo"]["full_name"] for line in lines}) == 2
