"""Who may mark a check run as expected: only on PRGuard's own run, only a sender with write access."""
from __future__ import annotations

import re
from typing import Any

from app.check_runs import external_id
from app.jobs import MarkExpected
from prguard.github.errors import GitHubError

# Repository roles that may change what PRGuard learns (GitHub's "Get repository permissions for a user":
# ``permission`` is the legacy base role, maintain mapped to write; ``role_name`` names maintain itself).
WRITE_PERMISSIONS = frozenset({"admin", "write"})
WRITE_ROLES = frozenset({"admin", "maintain", "write"})
# A GitHub login: alphanumerics and single hyphens, at most 39 characters; Apps act as "name[bot]".
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:\[bot\])?")

# Why a press was refused: the label values of the refusal counter (a fixed set, never payload text).
OFFLINE = "offline"
NOT_PRGUARDS_APP = "not_prguards_app"
FOREIGN_EXTERNAL_ID = "foreign_external_id"
UNKNOWN_RUN = "unknown_run"
BAD_SENDER = "bad_sender"
NO_WRITE_PERMISSION = "no_write_permission"
REFUSALS = (OFFLINE, NOT_PRGUARDS_APP, FOREIGN_EXTERNAL_ID, UNKNOWN_RUN, BAD_SENDER, NO_WRITE_PERMISSION)


class Refused(Exception):
    """A "Mark as expected" press PRGuard must not act on; ``reason`` is one of REFUSALS."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def valid_login(login: Any) -> bool:
    return isinstance(login, str) and _LOGIN.fullmatch(login) is not None


def check_run_is_ours(press: MarkExpected, stored: dict[str, Any], app_id: str | None) -> None:
    """Raise Refused unless the pressed run is the one PRGuard posted for this repository and head SHA:
    created by this App, carrying the external id PRGuard gave it, with the id the store recorded."""
    repo, head_sha = press.repo, press.head_sha
    if not app_id:
        raise Refused(OFFLINE, "no GitHub App is configured, so the run cannot be PRGuard's")
    if str(press.app_id) != str(app_id):
        raise Refused(NOT_PRGUARDS_APP, f"the check run belongs to app {press.app_id!r}, "
                                        f"not this App ({app_id})")
    if press.external_id != external_id(repo, head_sha):
        raise Refused(FOREIGN_EXTERNAL_ID, "the check run's external_id is not the one PRGuard gave "
                                           "this repository and head SHA")
    if not stored.get("posted") or stored.get("check_run_id") is None:
        raise Refused(UNKNOWN_RUN, "PRGuard has posted no check run for this head SHA")
    if int(stored["check_run_id"]) != int(press.check_run_id or -1):
        raise Refused(UNKNOWN_RUN, f"check run {press.check_run_id} is not PRGuard's run "
                                   f"{stored['check_run_id']} for this head SHA")


def sender_can_write(client, repo: str, login: Any) -> None:
    """Raise Refused unless ``login`` has write, maintain or admin on ``repo`` (one API call).

    A 404 (no such user, or none visible to the App) is a refusal; other API errors propagate, so the
    job is retried rather than a maintainer's press being dropped by an outage."""
    if not valid_login(login):
        raise Refused(BAD_SENDER, "the delivery names no valid GitHub login as its sender")
    try:
        answer = client.get_collaborator_permission(repo, login)
    except GitHubError as exc:
        if exc.status != 404:
            raise
        raise Refused(NO_WRITE_PERMISSION, f"{login} has no access to {repo}") from None
    permission, role = answer.get("permission"), answer.get("role_name")
    if permission not in WRITE_PERMISSIONS and role not in WRITE_ROLES:
        raise Refused(NO_WRITE_PERMISSION, f"{login} has {role or permission or 'no'} access to {repo}; "
                                           "write, maintain or admin is needed")


def authorise(press: MarkExpected, stored: dict[str, Any], app_id: str | None, client) -> None:
    """Raise Refused unless a press on the run described by ``press`` (a mark_expected job)
    may be stored as feedback: the run checks first (no API call), then the sender's permission."""
    check_run_is_ours(press, stored, app_id)
    if client is None:
        raise Refused(OFFLINE, "no GitHub client to check the sender's permission with")
    sender_can_write(client, press.repo, press.user)
