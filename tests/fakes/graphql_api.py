"""The fake's GraphQL endpoint: validates queries against GitHub's schema and executes them on FakeState."""
from __future__ import annotations

import base64
import datetime as dt
import functools
import json

from graphql import GraphQLError, build_schema, execute, parse, validate

from tests.fakes.fake_state import FakeState, iso
from tests.support import npm_packages

_CHANGE_TYPES = {"added": "ADDED", "removed": "DELETED", "modified": "MODIFIED", "renamed": "RENAMED",
                 "copied": "COPIED", "changed": "CHANGED", "unchanged": "MODIFIED"}
_STATES = {"OPEN", "CLOSED", "MERGED"}


@functools.lru_cache(maxsize=1)
def github_schema():
    """GitHub's published schema, built once per test session (~2 s).

    The published SDL repeats two fields of EnterpriseOwnerInfo, which strict SDL validation rejects;
    GitHub's own server accepts it, so build it as given.
    """
    return build_schema(npm_packages.graphql_schema().read_text(), assume_valid_sdl=True)


def _cursor(key) -> str:
    return base64.b64encode(("cursor:v2:" + json.dumps(key)).encode()).decode()


def _uncursor(cursor: str):
    try:
        raw = base64.b64decode(cursor.encode()).decode()
        if not raw.startswith("cursor:v2:"):
            raise ValueError
        return json.loads(raw[len("cursor:v2:"):])
    except ValueError:
        raise GraphQLError(f"`{cursor}` does not appear to be a valid cursor.") from None


def _check_first(first) -> int:
    if first is None:
        raise GraphQLError("You must provide a `first` or `last` value to properly paginate the connection.")
    if not 1 <= first <= 100:
        raise GraphQLError(f"Requesting {first} records on the connection exceeds the `first` limit of 100 records.")
    return first


def _index_connection(items: list, first, after) -> dict:
    start = int(_uncursor(after)) + 1 if after else 0
    page = items[start:start + _check_first(first)]
    return {"totalCount": len(items), "nodes": page,
            "pageInfo": {"hasNextPage": start + len(page) < len(items),
                         "endCursor": _cursor(start + len(page) - 1) if page else None}}


class GraphQLApi:
    """Executes validated queries with resolvers that read the fake's state (so real queries really run)."""

    def __init__(self, state: FakeState):
        self.state = state

    def validation_errors(self, query: str) -> list[str]:
        try:
            document = parse(query)
        except GraphQLError as exc:
            return [exc.message]
        return [e.message for e in validate(github_schema(), document)]

    def run(self, query: str, variables: dict | None, auth) -> dict:
        result = execute(github_schema(), parse(query), root_value=self._root(auth), variable_values=variables)
        out: dict = {"data": result.data}
        if result.errors:
            out["errors"] = [{"message": e.message, "path": e.path, "type": "FAKE_ERROR"} for e in result.errors]
        return out

    def _root(self, auth) -> dict:
        reset = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
        return {
            "rateLimit": {"cost": 1, "limit": 5000, "remaining": 4999, "used": 1, "nodeCount": 0,
                          "resetAt": iso(reset)},
            "repository": lambda info, owner, name, **_: self._repository(auth, f"{owner}/{name}"),
        }

    def _repository(self, auth, full_name: str) -> dict:
        if not self.state.can_see(auth, full_name):
            raise GraphQLError(f"Could not resolve to a Repository with the name '{full_name}'.")
        repo = self.state.repos[full_name.lower()]
        return {
            "nameWithOwner": repo["full_name"],
            "name": repo["name"],
            "defaultBranchRef": {"name": repo["default_branch"]},
            "pullRequests": lambda info, **args: self._pull_requests(full_name, **args),
        }

    def _pull_requests(self, full_name: str, first=None, after=None, states=None, orderBy=None, **_) -> dict:
        _check_first(first)
        wanted = set(states or _STATES)
        order = orderBy or {"field": "CREATED_AT", "direction": "ASC"}
        field = {"UPDATED_AT": "updated_at", "CREATED_AT": "created_at"}.get(order["field"], "created_at")
        descending = order.get("direction") == "DESC"
        with self.state.lock:
            pulls = [dict(pr) for pr in self.state.pulls[full_name.lower()].values() if _state(pr) in wanted]
        pulls.sort(key=lambda pr: (pr[field], pr["number"]), reverse=descending)
        total = len(pulls)
        if after:
            # Keyset cursors, like GitHub's: the page after a cursor starts past that PR's sort key,
            # so PRs updated during a crawl move ahead of it instead of shifting the pages.
            mark = tuple(_uncursor(after))
            pulls = [pr for pr in pulls if ((pr[field], pr["number"]) < mark if descending
                                            else (pr[field], pr["number"]) > mark)]
        page = pulls[:first]
        end = _cursor([page[-1][field], page[-1]["number"]]) if page else None
        return {"totalCount": total, "pageInfo": {"hasNextPage": len(pulls) > len(page), "endCursor": end},
                "nodes": [self._node(full_name, pr) for pr in page]}

    def _node(self, full_name: str, pr: dict) -> dict:
        files = list(self.state.files[(full_name.lower(), pr["number"])])
        user = pr["user"]
        bot = user.get("type") == "Bot"
        author = {"__typename": "Bot" if bot else "User",
                  "login": user["login"].removesuffix("[bot]") if bot else user["login"]}
        head_repo = pr["head"]["repo"]
        return {
            "number": pr["number"], "title": pr["title"], "body": pr["body"] or "", "url": pr["html_url"],
            "state": _state(pr), "isDraft": pr["draft"], "locked": pr["locked"],
            "author": None if user["login"] == "ghost" else author,
            "authorAssociation": pr["author_association"],
            "createdAt": pr["created_at"], "updatedAt": pr["updated_at"],
            "closedAt": pr["closed_at"], "mergedAt": pr["merged_at"],
            "additions": pr["additions"], "deletions": pr["deletions"], "changedFiles": pr["changed_files"],
            "commits": {"totalCount": pr["commits"]},
            "labels": lambda info, first=None, after=None, **_: _index_connection(
                [{"name": label["name"]} for label in pr["labels"]], first, after),
            "baseRefName": pr["base"]["ref"], "baseRefOid": pr["base"]["sha"],
            "headRefName": pr["head"]["ref"], "headRefOid": pr["head"]["sha"],
            "baseRepository": {"nameWithOwner": pr["base"]["repo"]["full_name"],
                               "defaultBranchRef": {"name": pr["base"]["repo"]["default_branch"]}},
            "headRepository": {"nameWithOwner": head_repo["full_name"]} if head_repo else None,
            "files": lambda info, first=None, after=None, **_: _index_connection(
                [{"path": f["filename"], "additions": f["additions"], "deletions": f["deletions"],
                  "changeType": _CHANGE_TYPES.get(f["status"], "MODIFIED")} for f in files], first, after),
        }


def _state(pr: dict) -> str:
    if pr.get("merged"):
        return "MERGED"
    return "OPEN" if pr["state"] == "open" else "CLOSED"
