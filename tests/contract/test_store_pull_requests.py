"""Store contract: pull request documents (upsert rules, files, listing, partitions)."""
from __future__ import annotations

import json

import pytest

from prguard.store.base import InvalidPullRequest
from tests.contract.prs import pr_doc

FILES = [{"filename": "src/app.py", "status": "modified", "additions": 3, "deletions": 1, "changes": 4}]


def test_upsert_then_get_returns_the_document_and_reupsert_is_a_no_op(store):
    store.ping()
    doc = pr_doc(labels=[{"name": "bug"}], body=None, draft=False, score=0.5)
    assert store.prs.upsert(doc) is True
    assert store.prs.get("Octo/Repo", 1) == doc
    assert store.prs.upsert(dict(doc)) is False
    assert store.prs.count() == 1


def test_repository_names_are_case_insensitive(store):
    store.prs.upsert(pr_doc(repo="Octo/Repo"))
    assert store.prs.get("octo/repo", 1)["base"]["repo"]["full_name"] == "Octo/Repo"
    assert store.prs.count("OCTO/REPO") == 1
    assert store.prs.get("octo/repo", 2) is None


def test_older_update_is_ignored_and_newer_replaces(store):
    store.prs.upsert(pr_doc(title="second", updated_at="2024-05-02T00:00:00Z"))
    assert store.prs.upsert(pr_doc(title="first", updated_at="2024-05-01T00:00:00Z")) is False
    assert store.prs.get("octo/repo", 1)["title"] == "second"
    assert store.prs.upsert(pr_doc(title="third", updated_at="2024-05-03T00:00:00Z")) is True
    assert store.prs.get("octo/repo", 1)["title"] == "third"


def test_offsets_are_compared_as_instants(store):
    store.prs.upsert(pr_doc(title="utc", updated_at="2024-05-01T12:00:00Z"))
    # 13:30+02:00 is 11:30Z: older, although it sorts later as text.
    assert store.prs.upsert(pr_doc(title="older", updated_at="2024-05-01T13:30:00+02:00")) is False
    assert store.prs.get("octo/repo", 1)["title"] == "utc"


def test_equal_updated_at_with_new_content_wins(store):
    store.prs.upsert(pr_doc(title="before edit"))
    assert store.prs.upsert(pr_doc(title="after edit")) is True
    assert store.prs.get("octo/repo", 1)["title"] == "after edit"


def test_files_are_kept_for_the_same_head_and_dropped_when_it_moves(store):
    store.prs.upsert(pr_doc(files=FILES))
    store.prs.upsert(pr_doc(title="edited", updated_at="2024-05-01T13:00:00Z"))
    kept = store.prs.get("octo/repo", 1)
    assert kept["title"] == "edited" and kept["files"] == FILES
    store.prs.upsert(pr_doc(sha="b" * 40, updated_at="2024-05-01T14:00:00Z"))
    moved = store.prs.get("octo/repo", 1)
    assert moved["head"]["sha"] == "b" * 40 and "files" not in moved


def test_set_files_only_for_the_current_head(store):
    store.prs.upsert(pr_doc())
    assert store.prs.set_files("octo/repo", 1, "f" * 40, FILES) is False
    assert "files" not in store.prs.get("octo/repo", 1)
    assert store.prs.set_files("Octo/Repo", 1, "a" * 40, FILES) is True
    assert store.prs.get("octo/repo", 1)["files"] == FILES
    assert store.prs.set_files("octo/repo", 99, "a" * 40, FILES) is False


@pytest.mark.parametrize("path", ["number", "updated_at", "head.sha", "base.repo.full_name", "base.repo"])
def test_incomplete_document_is_rejected_naming_the_field(store, path):
    doc = pr_doc()
    *parents, leaf = path.split(".")
    target = doc
    for part in parents:
        target = target[part]
    del target[leaf]
    with pytest.raises(InvalidPullRequest, match=path.split(".")[0]):
        store.prs.upsert(doc)
    assert store.prs.count() == 0


@pytest.mark.parametrize("bad", [{"number": "7"}, {"updated_at": "yesterday"}, {"number": 0}])
def test_malformed_key_fields_are_rejected(store, bad):
    with pytest.raises(InvalidPullRequest):
        store.prs.upsert(pr_doc(**bad))


def test_iteration_is_ordered_and_filtered_and_repositories_listed(store):
    for repo, number in [("b/two", 2), ("A/One", 10), ("A/One", 2), ("b/two", 1)]:
        store.prs.upsert(pr_doc(number=number, repo=repo))
    keys = [(d["base"]["repo"]["full_name"], d["number"]) for d in store.prs.iter()]
    assert keys == [("A/One", 2), ("A/One", 10), ("b/two", 1), ("b/two", 2)]
    assert [d["number"] for d in store.prs.iter("a/one")] == [2, 10]
    assert store.prs.count("b/two") == 2 and store.prs.count() == 4
    assert store.prs.repositories() == ["A/One", "b/two"]


@pytest.mark.parametrize("total,partitions", [(0, 4), (1, 4), (10, 3), (37, 5), (5, 1)])
def test_partitions_cover_every_pr_exactly_once_in_similar_sizes(store, total, partitions):
    for n in range(1, total + 1):
        store.prs.upsert(pr_doc(number=n, repo=f"org/r{n % 4}"))
    ranges = store.prs.partition(partitions)
    assert 1 <= len(ranges) <= partitions
    ranges = [json.loads(json.dumps(r)) for r in ranges]  # they travel to Spark executors as JSON
    seen = [[(d["base"]["repo"]["full_name"], d["number"]) for key, d in store.prs.iter_range(r)
             if key == f"org/r{d['number'] % 4}#{d['number']}"]
            for r in ranges]
    flat = [key for chunk in seen for key in chunk]
    assert sorted(flat) == sorted((f"org/r{n % 4}", n) for n in range(1, total + 1))
    assert len(flat) == len(set(flat))
    sizes = [len(chunk) for chunk in seen]
    assert max(sizes) - min(sizes) <= 1


def test_partitions_reject_a_non_positive_count(store):
    with pytest.raises(ValueError):
        store.prs.partition(0)
