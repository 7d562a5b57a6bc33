"""zizmor (the real binary, offline) on base and head: only new findings, weighted by this repository's habits."""
from __future__ import annotations

from prguard import findings
from prguard.findings import zizmor
from tests.support import workflows as W
from tests.support.pr_content import added, changed, hunk
from tests.support.pull_requests import pull_request

CI_PATH = ".github/workflows/ci.yml"


def zizmor_hits(doc):
    return [(f.rule, f.severity.label, f.path, f.line) for f in findings.check(doc).findings if f.source == "zizmor"]


def with_title_injection(text: str) -> str:
    lines = W.lines_of(text)
    return "\n".join(lines[:17] + W.TITLE_INJECTION_STEP + lines[17:]) + "\n"


def test_the_pr_title_put_into_a_run_script_is_a_new_high_finding_on_its_line():
    head = with_title_injection(W.CI)
    patch = hunk(16, ["          node-version: 20"], added=W.TITLE_INJECTION_STEP, context_after=["      - run: npm ci"])
    doc = pull_request(changed(CI_PATH, patch), base_workflows={CI_PATH: W.CI}, head_workflows={CI_PATH: head})
    assert ("template-injection", "high", CI_PATH, 19) in zizmor_hits(doc)
    assert head.split("\n")[18].strip().startswith("run: echo \"Checking ${{ github.event.pull_request.title }}")


def test_findings_the_base_already_has_are_not_new_even_when_lines_move():
    head = W.LINT.replace("    steps:\n", "    timeout-minutes: 10\n    steps:\n")
    patch = hunk(5, ["    runs-on: ubuntu-latest"], added=["    timeout-minutes: 10"], context_after=["    steps:"])
    doc = pull_request(changed(".github/workflows/lint.yml", patch), base_workflows={".github/workflows/lint.yml": W.LINT},
                       head_workflows={".github/workflows/lint.yml": head})
    assert zizmor_hits(doc) == []


def test_a_maintainers_pinned_sha_bump_gives_no_zizmor_finding():
    head = W.CI.replace(f"actions/checkout@{W.CHECKOUT_SHA} # v4.1.1",
                        "actions/checkout@692973e3d937129bcbf40652eb9f2f61becf3332 # v4.1.7")
    patch = hunk(11, ["    steps:"], removed=[f"      - uses: actions/checkout@{W.CHECKOUT_SHA} # v4.1.1"],
                 added=["      - uses: actions/checkout@692973e3d937129bcbf40652eb9f2f61becf3332 # v4.1.7"])
    doc = pull_request(changed(CI_PATH, patch), base_workflows={CI_PATH: W.CI}, head_workflows={CI_PATH: head})
    assert zizmor_hits(doc) == []
    assert findings.check(doc).findings == []


def test_tag_pinned_actions_are_routine_where_the_repository_uses_them_and_high_where_it_pins_shas():
    new = added(".github/workflows/docs.yml", W.DOCS)
    habits = zizmor_hits(pull_request(new, base_workflows={".github/workflows/lint.yml": W.LINT}))
    assert not [h for h in habits if h[0] == "unpinned-uses" and h[1] != "low"], habits
    pinned = zizmor_hits(pull_request(new, base_workflows={CI_PATH: W.CI}))
    assert ("unpinned-uses", "high", ".github/workflows/docs.yml", 10) in pinned


def test_ignore_comments_added_by_the_pr_do_not_silence_zizmor():
    head = with_title_injection(W.CI).replace("| ./scripts/label.sh", "| ./scripts/label.sh  # zizmor: ignore[template-injection]")
    patch = hunk(16, ["          node-version: 20"], added=W.TITLE_INJECTION_STEP)
    doc = pull_request(changed(CI_PATH, patch), base_workflows={CI_PATH: W.CI}, head_workflows={CI_PATH: head})
    assert ("template-injection", "high", CI_PATH, 19) in zizmor_hits(doc)


def test_an_added_workflow_is_audited_from_its_patch_when_no_contents_were_fetched():
    doc = pull_request(added(".github/workflows/preview.yml", W.PWN_REQUEST))
    assert ("dangerous-triggers", "high", ".github/workflows/preview.yml", 3) in zizmor_hits(doc)


def test_when_zizmor_fails_the_other_findings_stay_and_the_summary_says_why():
    def broken(texts):
        raise zizmor.ZizmorError("zizmor is not installed")
    report = findings.check(pull_request(added(".github/workflows/preview.yml", W.PWN_REQUEST)), runner=broken)
    assert "pwn-request" in {f.rule for f in report.findings}
    assert report.notes == ["zizmor could not audit the changed workflows: zizmor is not installed"]


def test_paths_from_a_pr_never_write_outside_the_scratch_directory(tmp_path):
    assert zizmor.run({"../../escape.yml": W.LINT, ".github/workflows/lint.yml": W.LINT})
    assert not (tmp_path.parent / "escape.yml").exists()
