"""Resolving `.github/prguard.yml` against the fake GitHub: repo file, org default, defaults, cache, pushes."""
from __future__ import annotations

import dataclasses

import pytest

from prguard.github import GitHubApp
from prguard.repo_config.parse import CONFIG_PATH
from prguard.repo_config.resolve import DEFAULT, ORG, REPO as FROM_REPO, invalidate, resolve
from tests.fakes.fixtures import FAST_RETRIES

REPO, OTHER, ORG_REPO = "acme/web", "acme/api", "acme/.github"


@pytest.fixture
def store(sqlite_store):
    return sqlite_store


@pytest.fixture
def client(fake_github):
    fake_github.add_installation(7, "acme", [])
    for repo in (REPO, OTHER):
        fake_github.add_repo(repo, 7, default_branch="trunk")
    fake_github.add_repo(ORG_REPO, 7)
    app = GitHubApp(fake_github.app_id, fake_github.private_key_pem, fake_github.base_url,
                    policy=dataclasses.replace(FAST_RETRIES), timeout=(2.0, 2.0))
    yield app.installation(7)
    assert fake_github.violations == [], fake_github.violations


def contents_reads(fake_github) -> int:
    return fake_github.request_count(r"/contents/")


def test_the_repository_file_is_read_from_the_default_branch_and_then_served_from_the_cache(
        client, fake_github, store, settings):
    fake_github.set_contents(REPO, "trunk", {CONFIG_PATH: "unusual_conclusion: failure\n"})
    fake_github.set_contents(ORG_REPO, "main", {CONFIG_PATH: "unusual_conclusion: action_required\n"})
    first = resolve(client, store, REPO, settings)
    assert (first.config.unusual_conclusion, first.source, first.error) == ("failure", FROM_REPO, None)
    reads = contents_reads(fake_github)
    assert reads == 1  # the repository's own file wins: the organisation's is not asked for
    again = resolve(client, store, REPO, settings)
    assert again == first and contents_reads(fake_github) == reads  # a cache hit asks GitHub nothing


def test_without_a_repository_file_the_organisation_default_applies(client, fake_github, store, settings):
    fake_github.set_contents(ORG_REPO, "main", {CONFIG_PATH: "finding_severity: low\n"})
    resolved = resolve(client, store, REPO, settings)
    assert (resolved.config.finding_severity, resolved.source) == ("low", ORG)


def test_without_any_file_the_service_defaults_apply(client, store, settings):
    resolved = resolve(client, store, REPO, settings.replace(unusual_conclusion="failure"))
    assert (resolved.config.unusual_conclusion, resolved.source, resolved.error) == ("failure", DEFAULT, None)


def test_a_push_to_the_default_branch_makes_the_next_resolve_read_the_new_file(
        client, fake_github, store, settings):
    fake_github.set_contents(REPO, "trunk", {CONFIG_PATH: "sensitivity: 2\n"})
    assert resolve(client, store, REPO, settings).config.sensitivity == 2.0
    fake_github.set_contents(REPO, "trunk", {CONFIG_PATH: "sensitivity: 3\n"})
    assert resolve(client, store, REPO, settings).config.sensitivity == 2.0  # cached until the branch moves
    invalidate(store, REPO, "1" * 40)
    assert resolve(client, store, REPO, settings).config.sensitivity == 3.0


def test_an_invalid_file_keeps_the_previous_valid_configuration_and_reports_line_and_key(
        client, fake_github, store, settings):
    fake_github.set_contents(REPO, "trunk", {CONFIG_PATH: "unusual_conclusion: failure\n"})
    resolve(client, store, REPO, settings)
    fake_github.set_contents(REPO, "trunk", {CONFIG_PATH: "# tuned\nunusual_conclusion: failure\nsensitivity: 7\n"})
    invalidate(store, REPO, "2" * 40)
    resolved = resolve(client, store, REPO, settings)
    assert resolved.config.unusual_conclusion == "failure" and resolved.config.sensitivity == 1.0
    assert resolved.error == {"line": 3, "key": "sensitivity", "expected": "a number from 0.5 to 4",
                              "file": f"{REPO}/{CONFIG_PATH}"}
    reads = contents_reads(fake_github)
    assert resolve(client, store, REPO, settings).error == resolved.error  # cached, error and all
    assert contents_reads(fake_github) == reads
    fake_github.set_contents(REPO, "trunk", {CONFIG_PATH: "sensitivity: 4\n"})
    invalidate(store, REPO, "3" * 40)
    fixed = resolve(client, store, REPO, settings)
    assert fixed.error is None and fixed.config.sensitivity == 4.0


def test_a_push_to_the_organisation_repository_reaches_every_repository_using_its_defaults(
        client, fake_github, store, settings):
    fake_github.set_contents(OTHER, "trunk", {CONFIG_PATH: "finding_severity: medium\n"})
    fake_github.set_contents(ORG_REPO, "main", {CONFIG_PATH: "finding_severity: low\n"})
    assert resolve(client, store, REPO, settings).config.finding_severity == "low"
    assert resolve(client, store, OTHER, settings).config.finding_severity == "medium"
    fake_github.set_contents(ORG_REPO, "main", {})  # the organisation default is removed
    invalidate(store, ORG_REPO, "4" * 40)
    reads = contents_reads(fake_github)
    assert resolve(client, store, REPO, settings).config.finding_severity == settings.finding_severity
    assert resolve(client, store, OTHER, settings).config.finding_severity == "medium"
    assert contents_reads(fake_github) == reads + 2  # REPO asked itself and the org again; OTHER nothing


def test_offline_without_a_client_the_defaults_apply_and_nothing_is_stored(store, settings):
    assert resolve(None, store, REPO, settings).source == DEFAULT
    assert store.onboarding.get_repo_record("config", REPO) is None
