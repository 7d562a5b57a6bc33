"""End to end: a repository added to an installation is backfilled, profiled and judged by its own history,
without retraining (real gunicorn, a worker process, MLflow's champion, the fake GitHub API)."""
from __future__ import annotations

import pytest

from app.check_runs import MAX_REASON_CHARS
from prguard import markdown
from prguard.model import registry
from prguard.config import Settings
from prguard.features.key_values import key_values
from prguard.features.profile import RepoProfile
from prguard.features.summary import summarize
from prguard.store.onboarding import BACKFILL_RECORD
from tests.e2e.conftest import INSTALLATION_ID
from tests.e2e.deliveries import pull_request_event
from tests.e2e.service import Service, wait_until
from tests.e2e.test_service_e2e import completed_run
from tests.support.webhooks import example

pytestmark = pytest.mark.slow

NEW_REPO = "acme/docs-site"  # not in the champion's training data
HISTORY = 120
FILES_HERE = 40  # every PR of this repository rewrites ~40 pages; the general norm is 2 files


@pytest.fixture(scope="module")
def service(tmp_path_factory, champion, github):
    """Its own service with one worker (conftest's ``store`` fixture opens this one's store)."""
    data_dir = tmp_path_factory.mktemp("onboarding") / "var"
    data_dir.mkdir()
    # A 40-file GraphQL page takes the fake over the e2e default 2 s read timeout on a loaded machine;
    # a retried page would be counted twice below.
    svc = Service(data_dir, champion[0], github, extra_env={"PRGUARD_GITHUB_TIMEOUT_SECONDS": "30"})
    svc.start_server()
    svc.start_worker()
    yield svc
    svc.stop()


def docs_pull(github, number: int, **fields) -> dict:
    files = [{"filename": f"content/section{i % 4}/page{number}_{i}.md", "additions": 20, "deletions": 5}
             for i in range(FILES_HERE)]
    return github.add_pull(NEW_REPO, number, title=f"Docs update {number}", body="Rewrites pages.",
                           author_association="MEMBER", files=files, **fields)


def repositories_added(repo: str) -> dict:
    payload = example("installation_repositories", "added")
    owner = repo.split("/")[0]
    payload["installation"] = dict(payload["installation"], id=INSTALLATION_ID)
    payload["installation"]["account"] = dict(payload["installation"]["account"], login=owner)
    payload["repositories_added"] = [{"id": 9001, "node_id": "R_docs", "name": repo.split("/")[1],
                                      "full_name": repo, "private": False}]
    payload["repositories_removed"] = []
    return payload


def typical_cell(summary: str, row: str) -> str:
    (line,) = [line for line in summary.splitlines() if line.startswith(f"| {row} |")]
    return line.split("|")[3].strip()


def test_an_added_repository_is_backfilled_and_scored_against_its_own_history(service, github, store, champion):
    github.add_repo(NEW_REPO)  # exists on GitHub, not yet part of the installation
    for number in range(1, HISTORY + 1):
        docs_pull(github, number, state="closed", merged=True)
    tracking = Settings.from_env({"MLFLOW_TRACKING_URI": champion[0]})
    champion_before = registry.champion_version(tracking)

    # Before the backfill: judged by general norms, and the check run says so.
    github.add_repo(NEW_REPO, INSTALLATION_ID)
    early = docs_pull(github, 500)
    service.post("pull_request", pull_request_event("opened", early, INSTALLATION_ID))
    early_run = completed_run(github, service, early["head"]["sha"])
    assert "PRGuard is still learning this repository" in early_run["output"]["summary"]
    assert typical_cell(early_run["output"]["summary"], "Files changed") == "2"

    github.clear_log()
    status, _ = service.post("installation_repositories", repositories_added(NEW_REPO))
    assert status == 202
    profile = wait_until(lambda: store.onboarding.get_profile(NEW_REPO), 60, 0.2, "the backfill's profile")
    backfill = store.onboarding.get_repo_record(BACKFILL_RECORD, NEW_REPO)
    assert backfill["state"] == "done" and backfill["profile_version"] == profile["version"] == 1
    assert store.prs.count(NEW_REPO) == HISTORY + 1  # the history and the early PR
    assert profile["pr_count"] == HISTORY + 1 and profile["source"] == "backfill"
    # 121 PRs at 50 per GraphQL page: three pages, and no REST file lists (40 files fit in a page).
    assert backfill["pages"] == 3
    assert github.request_count(r"/graphql$") == 3
    assert github.request_count(r"/files$") == 0

    later = docs_pull(github, 501)
    service.post("pull_request", pull_request_event("opened", later, INSTALLATION_ID))
    run = completed_run(github, service, later["head"]["sha"])
    summary = run["output"]["summary"]
    assert "still learning" not in summary
    assert f"Typical in this repository ({HISTORY + 1} PRs, profile v1)" in summary
    # "Typical" is this repository's own (blended toward general norms by 10 pseudo-PRs), not 2 files.
    newest = RepoProfile.from_dict(profile["profile"])
    doc = store.prs.get(NEW_REPO, 501)
    expected_files = dict((what, typical) for what, _, typical in key_values(summarize(doc), newest))["Files changed"]
    assert typical_cell(summary, "Files changed") == expected_files and int(expected_files) > 30
    # The reasons are the champion's, computed against the newest profile; the model did not change.
    bundle = registry.load_champion(tracking)
    assert bundle.profile_for(NEW_REPO) is None  # the model's snapshot never saw this repository
    expected = bundle.score([doc], lambda repo: newest)[0]
    for reason in expected["reasons"]:  # as the check run shows them: escaped (prguard.markdown)
        assert f"- {markdown.text(reason['sentence'], MAX_REASON_CHARS)}" in summary
    assert f"Model version: `{champion_before}`" in summary
    assert registry.champion_version(tracking) == champion_before  # no retraining happened
