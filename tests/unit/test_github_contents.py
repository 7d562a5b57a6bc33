"""Reading files at a commit through "Get repository content", against the fake GitHub's OpenAPI checks."""
from __future__ import annotations

import dataclasses

import pytest

from prguard.github import GitHubApp
from prguard.github.api import content_path
from tests.fakes.fixtures import FAST_RETRIES

REPO = "acme/web"
BASE, HEAD = "1" * 40, "2" * 40


@pytest.fixture
def client(fake_github):
    fake_github.add_installation(7, "acme", [REPO])
    fake_github.set_contents(REPO, BASE, {".github/workflows/ci.yml": "name: CI\n",
                                          ".github/workflows/lint.yaml": "name: Lint — ünïcode\n",
                                          ".github/workflows/scripts/helper.sh": "echo hi\n"})
    fake_github.set_contents(REPO, HEAD, {".github/workflows/ci.yml": "name: CI v2\n",
                                          "docs/a b#c?.md": "odd name\n"})
    app = GitHubApp(fake_github.app_id, fake_github.private_key_pem, fake_github.base_url,
                    policy=dataclasses.replace(FAST_RETRIES), timeout=(2.0, 2.0))
    return app.installation(7)


def test_a_file_is_read_at_each_commit_by_its_slashed_path(client, fake_github):
    assert client.get_file_text(REPO, ".github/workflows/ci.yml", BASE) == "name: CI\n"
    assert client.get_file_text(REPO, ".github/workflows/ci.yml", HEAD) == "name: CI v2\n"
    assert client.get_file_text(REPO, ".github/workflows/lint.yaml", BASE) == "name: Lint — ünïcode\n"
    assert client.get_file_text(REPO, "docs/a b#c?.md", HEAD) == "odd name\n"
    paths = [r["path"] for r in fake_github.requests if "/contents/" in r["path"]]
    assert "/repos/acme/web/contents/.github/workflows/ci.yml" in paths


def test_a_missing_file_or_a_directory_is_none_and_a_directory_lists_its_entries(client):
    assert client.get_file_text(REPO, ".github/workflows/release.yml", BASE) is None
    assert client.get_file_text(REPO, ".github/workflows", BASE) is None
    entries = client.list_directory(REPO, ".github/workflows", BASE)
    assert {(e["path"], e["type"]) for e in entries} == {
        (".github/workflows/ci.yml", "file"), (".github/workflows/lint.yaml", "file"),
        (".github/workflows/scripts", "dir")}
    assert [e["path"] for e in client.list_directory(REPO, ".github/workflows", HEAD)] == [".github/workflows/ci.yml"]
    assert client.list_directory(REPO, "nothing/here", HEAD) == []


@pytest.mark.parametrize("path", ["../../pulls/1", ".github/../secrets", "a//b", "", "/etc/passwd", "a/./b"])
def test_a_file_name_that_could_address_another_endpoint_is_refused_before_any_request(client, fake_github, path):
    fake_github.clear_log()
    with pytest.raises(ValueError):
        client.get_file_text(REPO, path, HEAD)
    assert fake_github.requests == []


def test_a_ref_that_is_not_a_ref_is_refused_and_names_are_percent_encoded(client, fake_github):
    fake_github.clear_log()
    for ref in ("main?x=1", "../main", "", "a b"):
        with pytest.raises(ValueError):
            client.get_file_text(REPO, ".github/workflows/ci.yml", ref)
    assert fake_github.requests == []
    assert content_path(".github/workflows/a b?.yml") == ".github/workflows/a%20b%3F.yml"


def test_without_a_ref_the_file_is_read_from_the_default_branch(client, fake_github):
    fake_github.set_contents(REPO, "main", {".github/prguard.yml": "sensitivity: 2\n"})
    fake_github.clear_log()
    assert client.get_file_text(REPO, ".github/prguard.yml", None) == "sensitivity: 2\n"
    assert client.get_file_text(REPO, ".github/prguard.yml", BASE) is None
    queries = [r["query"] for r in fake_github.requests if "/contents/" in r["path"]]
    assert queries == ["", f"ref={BASE}"]
