"""End to end: PRs that attack through CI get an unusual run annotated on the exact line; lookalikes do not."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import INSTALLATION_ID, REPO
from tests.e2e.deliveries import pull_request_event
from tests.e2e.service import wait_until
from tests.support import workflows as W
from tests.support.pr_content import changed, hunk, new_file_patch

pytestmark = pytest.mark.slow

RUN_TIMEOUT = 90  # the first run after start-up imports the model and zizmor; the machine may be busy
CI_PATH = ".github/workflows/ci.yml"
BASE_TREE = {CI_PATH: W.CI, ".github/workflows/lint.yml": W.LINT, "README.md": "# api\n"}


def open_pull(github, service, number: int, files: list[dict], head_tree: dict[str, str], title: str = "Update CI",
              author_association: str = "MEMBER") -> dict:
    """A PR whose base commit holds BASE_TREE and whose head holds it changed by ``head_tree``; its run."""
    pr = github.add_pull(REPO, number, title=title, body="Routine maintenance.", files=files,
                         author_association=author_association, head_ref=f"change-{number}")
    github.set_contents(REPO, pr["base"]["sha"], BASE_TREE)
    github.set_contents(REPO, pr["head"]["sha"], {**BASE_TREE, **head_tree})
    assert service.post("pull_request", pull_request_event("opened", pr, INSTALLATION_ID))[0] == 202
    sha = pr["head"]["sha"]

    def done():
        runs = [r for r in github.check_runs if r["head_sha"] == sha and r["status"] == "completed"]
        return runs[0] if runs else None
    try:
        return wait_until(done, RUN_TIMEOUT, what=f"a completed check run for PR {number}")
    except AssertionError:
        raise AssertionError(service.logs()) from None


def added_file(path: str, text: str) -> dict:
    lines = text.rstrip("\n").count("\n") + 1
    return {"filename": path, "status": "added", "additions": lines, "deletions": 0, "patch": new_file_patch(text)}


def failures(run: dict) -> list[tuple[str, int, str]]:
    return [(a["path"], a["start_line"], a["title"].split(" ")[0]) for a in run["annotations"]
            if a["annotation_level"] == "failure"]


def test_an_added_pull_request_target_workflow_checking_out_the_head_is_unusual_on_the_ref_line(github, service):
    path = ".github/workflows/preview.yml"
    run = open_pull(github, service, 301, [added_file(path, W.PWN_REQUEST)], {path: W.PWN_REQUEST})
    assert run["conclusion"] == "neutral"
    assert run["output"]["title"].startswith("Unusual: adds a pull_request_target workflow that runs the PR's code")
    assert (path, 11, "prguard/pwn-request") in failures(run)
    assert run["output"]["summary"].index("**Findings") < run["output"]["summary"].index("Model version")


def test_the_pr_title_put_into_a_run_script_is_unusual_on_that_line(github, service):
    lines = W.lines_of(W.CI)
    head_text = "\n".join(lines + W.TITLE_INJECTION_STEP) + "\n"
    patch = hunk(len(lines) - 1, lines[-2:], added=W.TITLE_INJECTION_STEP)
    file = changed(CI_PATH, patch)
    run = open_pull(github, service, 302, [file], {CI_PATH: head_text})
    assert run["conclusion"] == "neutral" and run["output"]["title"].startswith("Unusual: ")
    script_line = len(lines) + 2
    assert (CI_PATH, script_line, "zizmor/template-injection") in failures(run), run["annotations"]


def test_an_added_workflow_sending_a_secret_to_a_url_is_unusual_on_the_curl_line(github, service):
    path = ".github/workflows/metrics.yml"
    run = open_pull(github, service, 303, [added_file(path, W.EXFILTRATION)], {path: W.EXFILTRATION})
    assert run["conclusion"] == "neutral"
    assert run["output"]["title"].startswith("Unusual: sends ")
    assert (path, 13, "prguard/secret-exfiltration") in failures(run)


def test_a_maintainers_action_sha_bump_gets_no_high_finding(github, service):
    new_sha = "11bd71901bbe5b1630ceea73d27597364c9af683"
    old_line = f"      - uses: actions/checkout@{W.CHECKOUT_SHA} # v4.1.1"
    new_line = f"      - uses: actions/checkout@{new_sha} # v4.2.2"
    lines = W.lines_of(W.CI)
    at = lines.index(old_line) + 1
    patch = hunk(at, removed=[old_line], added=[new_line], context_after=lines[at:at + 2])
    run = open_pull(github, service, 304, [changed(CI_PATH, patch)], {CI_PATH: W.CI.replace(W.CHECKOUT_SHA, new_sha)},
                    title="Bump actions/checkout from 4.1.1 to 4.2.2")
    assert failures(run) == []
    assert not run["output"]["title"].startswith("Unusual: ")


def test_a_readme_installer_line_gets_no_high_finding(github, service):
    patch = hunk(2, ["# api"], added=["", "Install uv first: `curl -LsSf https://astral.sh/uv/install.sh | sh`"])
    run = open_pull(github, service, 305, [changed("README.md", patch)],
                    {"README.md": "# api\n\nInstall uv first: `curl -LsSf https://astral.sh/uv/install.sh | sh`\n"},
                    title="Docs: how to install uv")
    assert failures(run) == []
    assert not run["output"]["title"].startswith("Unusual: ")
    assert [a["annotation_level"] for a in run["annotations"]
            if a["path"] == "README.md" and a["title"].startswith("prguard/")] == ["notice"]
