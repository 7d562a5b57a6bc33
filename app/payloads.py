"""Pure readers of GitHub webhook payloads: each returns a field or raises BadDelivery saying why."""
from __future__ import annotations

from typing import Any

from prguard import validation
from prguard.store import InvalidPullRequest
from prguard.store.docs import PullRequestIdentity, identify_pull_request


class BadDelivery(ValueError):
    """The delivery is well signed but not something PRGuard can act on (answered 400, nothing stored)."""


def _field(rule, value: Any, field: str):
    """``rule(value, field)`` (a prguard.validation rule), its ValueError answered as BadDelivery."""
    try:
        return rule(value, field)
    except ValueError as exc:
        raise BadDelivery(str(exc)) from None


def obj(payload: dict[str, Any], key: str) -> dict[str, Any]:
    value = payload.get(key)
    if not isinstance(value, dict):
        raise BadDelivery(f"payload has no '{key}' object")
    return value


def installation_id(payload: dict[str, Any]) -> int:
    """The App installation the delivery belongs to; GitHub App deliveries always carry one."""
    installation = payload.get("installation")
    value = installation.get("id") if isinstance(installation, dict) else None
    if value is None:
        raise BadDelivery("missing installation: payload has no installation.id; this endpoint receives "
                          "GitHub App deliveries only (set the webhook on the App, not on a repository)")
    return _field(validation.github_id, value, "installation.id")


def account_login(payload: dict[str, Any]) -> str:
    """Who the installation belongs to: installation.account, else the repository owner or organization."""
    for path in (("installation", "account"), ("repository", "owner"), ("organization",)):
        node: Any = payload
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get("login"), str):
            return node["login"]
    return ""


def repository(payload: dict[str, Any]) -> str:
    return _field(validation.full_name, obj(payload, "repository").get("full_name"), "repository.full_name")


def sender_login(payload: dict[str, Any]) -> str | None:
    sender = payload.get("sender")
    login = sender.get("login") if isinstance(sender, dict) else None
    return login if isinstance(login, str) else None


def pull_request(payload: dict[str, Any]) -> tuple[dict[str, Any], PullRequestIdentity]:
    """``(pull_request object, its identity)``, validated as the store needs it."""
    pr = obj(payload, "pull_request")
    try:
        return pr, identify_pull_request(pr)
    except InvalidPullRequest as exc:
        raise BadDelivery(f"pull_request: {exc}") from None


def push(payload: dict[str, Any]) -> tuple[str, str, str]:
    """``(ref, after sha, the repository's default branch)`` of a push."""
    ref = payload.get("ref")
    if not isinstance(ref, str):
        raise BadDelivery("push has no 'ref'")
    branch = obj(payload, "repository").get("default_branch")
    if not isinstance(branch, str):
        raise BadDelivery("push has no 'repository.default_branch'")
    return ref, _field(validation.sha, payload.get("after"), "after"), branch


def head_sha(node: dict[str, Any], where: str) -> str:
    return _field(validation.sha, node.get("head_sha"), f"{where}.head_sha")


def pull_request_numbers(entries: Any) -> list[int]:
    """Numbers from a check suite's or check run's ``pull_requests`` list (empty for fork PRs)."""
    if not isinstance(entries, list):
        return []
    numbers = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        number = _field(validation.github_id, entry.get("number"), "pull_requests[].number")
        if number not in numbers:
            numbers.append(number)
    return numbers


def check_run(payload: dict[str, Any]) -> tuple[dict[str, Any], int, str, list[int]]:
    """``(check_run object, its id, head sha, PR numbers)``; numbers also come from its check suite."""
    run = obj(payload, "check_run")
    run_id = _field(validation.github_id, run.get("id"), "check_run.id")
    suite = run.get("check_suite") if isinstance(run.get("check_suite"), dict) else {}
    numbers = (pull_request_numbers(run.get("pull_requests"))
               or pull_request_numbers(suite.get("pull_requests")))
    return run, run_id, head_sha(run, "check_run"), numbers


def check_run_app_id(run: dict[str, Any]) -> int | None:
    """The id of the App that created the check run (None when the payload does not say)."""
    app = run.get("app")
    value = app.get("id") if isinstance(app, dict) else None
    return value if validation.is_github_id(value) else None


def repository_names(entries: Any, key: str) -> list[str]:
    """Full names from an installation payload's ``repositories``/``repositories_added`` lists."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise BadDelivery(f"payload's '{key}' must be a list")
    names = []
    for entry in entries:
        name = entry.get("full_name") if isinstance(entry, dict) else None
        names.append(_field(validation.full_name, name, f"{key}[].full_name"))
    return names
