"""Rules on changed workflows and actions that zizmor does not cover: added workflows and triggers, PR code
run by privileged triggers, secrets sent to a network command, pinned actions swapped or unpinned."""
from __future__ import annotations

import re

from prguard.findings import exfiltration
from prguard.findings.finding import Severity
from prguard.findings.places import is_actions_file
from prguard.findings.registry import FILE, WORKFLOW, rule

# Triggers that run with the base repository's secrets and write token while the PR's author controls input.
PRIVILEGED_TRIGGERS = ("pull_request_target", "workflow_run", "issue_comment", "pull_request_review_comment")
_PR_HEAD = re.compile(r"github\.event\.pull_request\.head\.(?:sha|ref)|github\.head_ref|"
                      r"github\.event\.workflow_run\.head_(?:sha|branch)|refs/pull/|"
                      r"github\.event\.(?:pull_request\.|issue\.)?number", re.IGNORECASE)
_CHECKOUT_IN_RUN = re.compile(r"\bgh\s+pr\s+checkout\b|\bgit\s+(?:fetch|pull)\b[^\n]*\bpull/|"
                              r"\bgit\s+(?:checkout|switch|reset)\b[^\n]*\$\{\{\s*github\."
                              r"(?:event\.pull_request\.head|head_ref|event\.workflow_run\.head)",
                              re.IGNORECASE)
_USES = re.compile(r"^\s*-?\s*uses:\s*[\"']?([\w.-]+)/([\w.-]+)((?:/[\w./-]+)?)@([\w./-]+)")
_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")


@rule("workflow-added", WORKFLOW, "a workflow or action file added by the PR")
def workflow_added(r, pair, content):
    if not pair.added:
        return
    head = pair.head
    triggers = ", ".join(head.triggers) if head and head.triggers else "unknown triggers"
    uses_secrets = bool(head) and any(exfiltration.secret_names(head, step) for step in head.steps())
    yield r.finding(Severity.MEDIUM if uses_secrets else Severity.LOW, "adds a workflow",
                    f"Adds `{pair.path}` (on: {triggers})"
                    + (", which reads repository secrets." if uses_secrets else "."),
                    path=pair.path, line=head.on_line if head else 1, identity=pair.path)


@rule("trigger-added", WORKFLOW, "a trigger added to an existing workflow")
def trigger_added(r, pair, content):
    if pair.added or pair.base is None or pair.head is None:
        return
    for event, line in pair.head.triggers.items():
        if event in pair.base.triggers:
            continue
        privileged = event in PRIVILEGED_TRIGGERS
        yield r.finding(Severity.MEDIUM if privileged else Severity.LOW, f"adds the {event} trigger",
                        f"The workflow now also runs on `{event}`" + (
                            ", with the repository's secrets and a write token, on events a PR author "
                            "controls."
                            if privileged else "."), path=pair.path, line=line, identity=event)


def _pr_checkouts(workflow):
    """(step, line, expression) of every step that checks out or fetches the PR's own code."""
    for step in workflow.steps():
        ref = step.with_.get("ref") or step.with_.get("repository")
        checkout = step.uses is not None and step.uses.text.lower().startswith("actions/checkout")
        if checkout and ref and _PR_HEAD.search(ref.text):
            yield step, ref.line, ref.text.strip()
        elif step.run:
            for offset, text in enumerate(step.run.text.split("\n")):
                if _CHECKOUT_IN_RUN.search(text):
                    yield step, step.run.line_of(offset), text.strip()


@rule("pwn-request", WORKFLOW, "a pull_request_target/workflow_run workflow that checks out the PR's code")
def pwn_request(r, pair, content):
    head = pair.head
    if head is None:
        return
    privileged = [t for t in head.triggers if t in PRIVILEGED_TRIGGERS]
    if not privileged:
        return
    before = set()
    if pair.base is not None and any(t in PRIVILEGED_TRIGGERS for t in pair.base.triggers):
        before = {(step.job, expr) for step, _, expr in _pr_checkouts(pair.base)}
    for step, line, expr in _pr_checkouts(head):
        if (step.job, expr) in before:
            continue
        verb = "adds" if pair.added else "makes"
        title = (f"{verb} a {privileged[0]} workflow that runs the PR's code" if pair.added
                 else f"{verb} a {privileged[0]} workflow run the PR's code")
        yield r.finding(Severity.HIGH, title,
                        f"Job `{step.job}` runs on `{privileged[0]}` (repository secrets, write token) and "
                        f"checks out the pull request's own code (`{expr[:80]}`): any PR can run code with "
                        "those privileges (a \"pwn request\").", path=pair.path, line=line,
                        fix="run untrusted code under `pull_request`; keep pull_request_target to labelling "
                            "and commenting, without checking out the head", identity=f"{step.job}:{expr}")


@rule("secret-exfiltration", WORKFLOW, "a step that sends secrets, the token or the environment to a network "
      "command")
def secret_exfiltration(r, pair, content):
    known_hosts = exfiltration.hosts_in(content.base_workflows.values())
    if pair.head is not None:
        before = {s.identity for s in exfiltration.sends(pair.base, known_hosts)} if pair.base else set()
        found = [s for s in exfiltration.sends(pair.head, known_hosts) if s.identity not in before]
    else:  # only the patch, or a head this parser cannot read: judge each added line on its own
        found = exfiltration.sends_in_lines(pair.file.added, known_hosts)
    for send in found:
        yield r.finding(send.severity, f"sends {send.what} to {send.destination}",
                        f"Step `{send.step}` sends {send.what} with `{send.command}` to {send.destination}"
                        f"{send.why}.", path=pair.path, line=send.line,
                        fix="keep secrets out of network commands; use an official action for uploads",
                        identity=send.identity)


@rule("action-ref-swap", FILE, "an action pinned to a commit moved to a mutable ref, or swapped for another "
      "owner's")
def action_ref_swap(r, file, content):
    if not is_actions_file(file.path):
        return
    for hunk in file.hunks:
        removed = [m.groups() for line in hunk.removed if (m := _USES.match(line.text))]
        if not removed:
            continue
        owners = {(name.lower(), sub): owner for owner, name, sub, _ in removed}
        pinned = {(owner.lower(), name.lower(), sub) for owner, name, sub, ref in removed
                  if _FULL_SHA.match(ref)}
        for line in hunk.added:
            match = _USES.match(line.text)
            if not match:
                continue
            owner, name, sub, ref = match.groups()
            action = f"{owner}/{name}{sub}"
            previous_owner = owners.get((name.lower(), sub))
            if previous_owner and previous_owner.lower() != owner.lower():
                yield r.finding(Severity.HIGH, f"swaps {previous_owner}/{name}{sub} for {action}",
                                f"`{previous_owner}/{name}{sub}` is replaced by `{action}@{ref}`, the same "
                                "name under another owner: a fork or look-alike runs with this workflow's "
                                "secrets.",
                                path=file.path, line=line.number, fix=f"keep `{previous_owner}/{name}{sub}`",
                                identity=f"swap:{previous_owner}:{action}")
            elif (owner.lower(), name.lower(), sub) in pinned and not _FULL_SHA.match(ref):
                yield r.finding(Severity.HIGH, f"unpins {action}",
                                f"`{action}` was pinned to a commit and now follows `{ref}`, which its owner "
                                "(or whoever takes over the repository) can move at any time.",
                                path=file.path,
                                line=line.number, fix="pin to a full commit SHA (keep the tag in a comment)",
                                identity=f"unpin:{action}@{ref}")
