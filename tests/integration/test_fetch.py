"""prguard fetch end to end against the fake GitHub on SQLite: backfill, incremental runs, resume."""
from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from batch.fetch import FetchUsageError, run_fetch
from prguard.cli import main
from prguard.github import GitHubApp, GitHubError, TokenClient
from prguard.store import open_store
from tests.fakes import fixtures
from tests.fakes.fixtures import FAST_RETRIES

# The fake GitHub's fixtures (tests/fakes/fixtures.py), used by the tests below.
app_private_key = fixtures.app_private_key
fake_github = fixtures.fake_github

WEB, API = "acme/web", "acme/api"


def seed(fake, repo: str, count: int, files: int = 2) -> None:
    for i in range(count):
        fake.add_pull(repo, title=f"Change {i}", user="bot" if i % 7 == 0 else f"dev{i % 5}",
                      user_type="Bot" if i % 7 == 0 else "User", state="closed" if i % 3 == 0 else "open",
                      merged=i % 6 == 0, labels=("bug",) if i % 4 == 0 else (),
                      files=[{"filename": f"src/mod{i}_{j}.py", "additions": j + 1, "deletions": j}
                             for j in range(files)])


@pytest.fixture
def world(fake_github):
    fake_github.add_installation(1, "acme", [WEB, API])
    seed(fake_github, WEB, 120)
    seed(fake_github, API, 30)
    # One PR with more files than a GraphQL page holds: its files come from the REST list.
    fake_github.add_pull(WEB, 121, title="Vendor everything",
                         files=[{"filename": f"vendor/lib{j}.js", "status": "added"} for j in range(250)])
    return fake_github


@pytest.fixture
def store(settings):
    store = open_store(settings)
    yield store
    store.close()


def fetch_with_app(fake, store, **kwargs):
    app = GitHubApp(fake.app_id, fake.private_key_pem, fake.base_url, policy=FAST_RETRIES)
    try:
        return run_fetch(store, app=app, progress=False, **kwargs)
    finally:
        app.close()


def test_backfill_stores_every_pr_in_rest_shape_with_few_requests(world, store):
    report = fetch_with_app(world, store)

    assert store.prs.count(WEB) == 121 and store.prs.count(API) == 30
    assert report.pull_requests_stored == 151
    # installations + token + installation repos + GraphQL pages (3 for web at 50/page, 1 for api)
    # + 3 REST pages of files for the one 250-file PR.
    assert world.request_count(r"/graphql") == 4
    assert world.request_count(r"/pulls/121/files") == 3
    assert report.api_requests == world.request_count() == 1 + 1 + 1 + 4 + 3
    big = store.prs.get(WEB, 121)
    assert len(big["files"]) == 250 and big["files"][0]["status"] == "added"
    assert sorted(store.installations.get(1)["repositories"]) == [API, WEB]

    # The stored document reads like the REST pull request GitHub serves.
    rest = world.state.pulls[WEB][7]
    doc = store.prs.get(WEB, 7)
    for path in (("number",), ("title",), ("state",), ("merged",), ("draft",), ("user", "login"),
                 ("author_association",), ("additions",), ("deletions",), ("changed_files",), ("commits",),
                 ("head", "sha"), ("base", "repo", "full_name"), ("updated_at",), ("labels",)):
        expected, actual = rest, doc
        for key in path:
            expected, actual = expected[key], actual[key]
        assert actual == expected, path
    rest_files = world.state.files[(WEB, 7)]
    assert doc["files"] == [{k: f[k] for k in ("filename", "status", "additions", "deletions", "changes")}
                            for f in rest_files]


def test_second_run_with_nothing_new_makes_only_the_needed_requests(world, store):
    fetch_with_app(world, store)
    world.clear_log()

    report = fetch_with_app(world, store)

    # installations, token, installation repos, and one GraphQL page per repository.
    assert report.api_requests == world.request_count() == 5
    assert report.pull_requests_stored == 0


def test_incremental_run_picks_up_an_updated_pr(world, store):
    fetch_with_app(world, store)
    world.update_pull(WEB, 5, title="Rewritten", files=[{"filename": "ci.yml", "status": "added"}])
    world.add_pull(API, title="Brand new")
    world.clear_log()

    report = fetch_with_app(world, store)

    assert report.pull_requests_stored == 2
    assert store.prs.get(WEB, 5)["title"] == "Rewritten"
    assert [f["filename"] for f in store.prs.get(WEB, 5)["files"]] == ["ci.yml"]
    assert store.prs.get(API, 31)["title"] == "Brand new"
    assert world.request_count(r"/graphql") == 2


def test_interrupted_backfill_resumes_at_the_saved_cursor(world, store):
    # The first page of acme/web succeeds, then GitHub keeps failing past the retry budget.
    world.fail_next(r"/graphql", 500, count=FAST_RETRIES.max_attempts, skip=1)
    with pytest.raises(GitHubError):
        fetch_with_app(world, store, repos=(WEB,))
    assert store.prs.count(WEB) == 50
    assert store.watermarks.get(WEB)["cursor"]

    # Meanwhile an old PR (not fetched yet) and a fetched one change.
    world.update_pull(WEB, 2, title="Old but edited")
    world.update_pull(WEB, 120, title="New and edited")
    world.clear_log()
    fetch_with_app(world, store, repos=(WEB,))
    assert world.request_count(r"/graphql") == 2  # pages 2 and 3 only: page 1 is not read again
    assert store.watermarks.get(WEB)["cursor"] is None
    # PR 2 moved ahead of the cursor while the run was interrupted; it is newer than everything that
    # run saw, so the next run (not this one) picks it up.
    assert store.prs.get(WEB, 2) is None

    fetch_with_app(world, store, repos=(WEB,))
    assert store.prs.count(WEB) == 121
    assert store.prs.get(WEB, 2)["title"] == "Old but edited"
    assert store.prs.get(WEB, 120)["title"] == "New and edited"


def test_since_limits_a_backfill(world, store):
    cutoff = world.state.pulls[WEB][100]["updated_at"]
    fetch_with_app(world, store, repos=(WEB,),
                   since=dt.datetime.fromisoformat(cutoff.replace("Z", "+00:00")))
    assert sorted(pr["number"] for pr in store.prs.iter(WEB)) == list(range(100, 122))


def test_token_auth_needs_named_repositories(world, store):
    world.add_token("ghp_dev")
    client = TokenClient("ghp_dev", world.base_url, policy=FAST_RETRIES)
    try:
        with pytest.raises(FetchUsageError, match="--repo"):
            run_fetch(store, token_client=client, progress=False)
        report = run_fetch(store, token_client=client, repos=(API,), progress=False)
    finally:
        client.close()
    assert report.pull_requests_stored == 30 and store.prs.count() == 30


def test_fetch_command_reports_counts(world, data_dir):
    world.add_token("ghp_dev")
    env = {"PRGUARD_DATA_DIR": str(data_dir), "GITHUB_API_URL": world.base_url, "GITHUB_TOKEN": "ghp_dev",
           "GITHUB_APP_ID": "", "GITHUB_APP_PRIVATE_KEY": "", "GITHUB_APP_PRIVATE_KEY_PATH": "", "MONGO_URI": ""}
    runner = CliRunner()

    result = runner.invoke(main, ["fetch", "--repo", API], env=env)
    assert result.exit_code == 0, result.output
    assert "30 stored or updated" in result.output and "API requests" in result.output

    result = runner.invoke(main, ["fetch"], env=env)
    assert result.exit_code == 2 and "--repo OWNER/NAME" in result.output
