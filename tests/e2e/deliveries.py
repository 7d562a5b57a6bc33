"""Webhook payloads for the end-to-end tests: GitHub's own examples re-pointed at the fake's world."""
from __future__ import annotations

import copy

from tests.support.webhooks import example


def _repository(example_repo: dict, full_name: str) -> dict:
    owner, name = full_name.split("/")
    return dict(example_repo, full_name=full_name, name=name, owner=dict(example_repo["owner"], login=owner))


def pull_request_event(action: str, pr: dict, installation_id: int) -> dict:
    """A ``pull_request`` delivery for the fake's PR ``pr`` (its head, base, sizes and times)."""
    payload = example("pull_request", action)
    repo = pr["base"]["repo"]["full_name"]
    merged = dict(payload["pull_request"])
    merged.update(copy.deepcopy(pr))
    merged["head"] = dict(payload["pull_request"]["head"], **copy.deepcopy(pr["head"]))
    merged["base"] = dict(payload["pull_request"]["base"], **copy.deepcopy(pr["base"]))
    merged["base"]["repo"] = _repository(payload["pull_request"]["base"]["repo"], repo)
    payload.update(number=pr["number"], pull_request=merged, repository=_repository(payload["repository"], repo))
    payload["installation"] = {"id": installation_id, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u"}
    return payload


def requested_action_event(run: dict, pr: dict, installation_id: int, user: str = "maintainer") -> dict:
    """A ``check_run.requested_action`` delivery: someone pressed "Mark as expected" on ``run``."""
    payload = example("check_run", "requested_action")
    repo = pr["base"]["repo"]["full_name"]
    repo_ref = {"id": 1, "name": repo, "url": pr["url"]}
    pull = {"number": pr["number"], "id": pr["id"], "url": pr["url"],
            "head": {"ref": pr["head"]["ref"], "sha": pr["head"]["sha"], "repo": repo_ref},
            "base": {"ref": pr["base"]["ref"], "sha": pr["base"]["sha"], "repo": repo_ref}}
    # GitHub describes the pressed run as it is: its id, external_id and the App that created it.
    check_run = dict(payload["check_run"], id=run["id"], head_sha=run["head_sha"], name=run["name"],
                     external_id=run["external_id"], pull_requests=[pull],
                     app=dict(payload["check_run"]["app"], id=run["app"]["id"]))
    check_run["check_suite"] = dict(check_run.get("check_suite") or {}, head_sha=run["head_sha"],
                                    pull_requests=[pull])
    payload.update(check_run=check_run, repository=_repository(payload["repository"], repo),
                   requested_action={"identifier": "mark_expected"},
                   sender=dict(payload["sender"], login=user))
    payload["installation"] = {"id": installation_id, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u"}
    return payload
