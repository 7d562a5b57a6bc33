"""The REST operations the fake GitHub implements, keyed by GitHub's OpenAPI path template and method."""
from __future__ import annotations

import base64
import datetime as dt
from typing import Any, Callable

from tests.fakes.fake_state import FakeState, fake_sha, iso

Result = tuple[int, Any, dict[str, str]]


class Call:
    """One validated request as handlers see it."""

    def __init__(self, state: FakeState, params: dict[str, str], query: dict[str, list[str]], body: Any,
                 auth: tuple[str, int | None], url: str):
        self.state, self.params, self.query, self.body, self.auth, self.url = state, params, query, body, auth, url

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    @property
    def repo(self) -> str:
        return f"{self.params['owner']}/{self.params['repo']}"


def _error(status: int, message: str) -> Result:
    return status, {"message": message, "documentation_url": "https://docs.github.com/rest"}, {}


def _not_found() -> Result:
    return _error(404, "Not Found")


def paged(call: Call, items: list, wrap: Callable[[list], Any] | None = None) -> Result:
    """A page of ``items`` with GitHub's Link header (absolute URLs, rel next/last/prev/first)."""
    per_page = min(int(call.arg("per_page", "30")), 100)
    page = max(int(call.arg("page", "1")), 1)
    chunk = items[(page - 1) * per_page: page * per_page]
    last = max(1, -(-len(items) // per_page))
    links = []

    def link(number: int, rel: str) -> str:
        query = {k: v[-1] for k, v in call.query.items()}
        query.update({"per_page": str(per_page), "page": str(number)})
        return f'<{call.url}?{"&".join(f"{k}={v}" for k, v in query.items())}>; rel="{rel}"'

    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links += [link(page - 1, "prev"), link(1, "first")]
    headers = {"Link": ", ".join(links)} if links else {}
    return 200, (wrap(chunk) if wrap else chunk), headers


# ---- App (JWT) -----------------------------------------------------------------------------------
def list_installations(call: Call) -> Result:
    with call.state.lock:
        installs = [{k: v for k, v in i.items() if k != "repositories"} for i in call.state.installations.values()]
    return paged(call, installs)


def create_token(call: Call) -> Result:
    installation_id = int(call.params["installation_id"])
    if installation_id not in call.state.installations:
        return _not_found()
    return 201, call.state.mint_token(installation_id), {}


def repo_installation(call: Call) -> Result:
    inst = call.state.installation_for_repo(call.repo)
    if inst is None:
        return _not_found()
    return 200, {k: v for k, v in inst.items() if k != "repositories"}, {}


# ---- installation --------------------------------------------------------------------------------
def installation_repositories(call: Call) -> Result:
    if call.auth[0] != "installation":
        return _error(403, "You must authenticate with an installation access token in order to list repositories for an installation.")
    with call.state.lock:
        names = call.state.installations[call.auth[1]]["repositories"]
        repos = [dict(call.state.repos[name.lower()]) for name in names]
    return paged(call, repos, lambda chunk: {"total_count": len(repos), "repositories": chunk})


# ---- pull requests -------------------------------------------------------------------------------
def _pull(call: Call) -> dict | None:
    if not call.state.can_see(call.auth, call.repo):
        return None
    return call.state.pulls[call.repo.lower()].get(int(call.params["pull_number"]))


def get_pull(call: Call) -> Result:
    pr = _pull(call)
    return (200, dict(pr), {}) if pr else _not_found()


def list_pulls(call: Call) -> Result:
    if not call.state.can_see(call.auth, call.repo):
        return _not_found()
    state = call.arg("state", "open")
    sort = "updated_at" if call.arg("sort") == "updated" else "created_at"
    with call.state.lock:
        pulls = [dict(pr) for pr in call.state.pulls[call.repo.lower()].values()
                 if state == "all" or pr["state"] == state]
    pulls.sort(key=lambda pr: (pr[sort], pr["number"]), reverse=call.arg("direction", "desc") == "desc")
    return paged(call, pulls)


def list_files(call: Call) -> Result:
    pr = _pull(call)
    if not pr:
        return _not_found()
    # GitHub lists at most 3000 files of a pull request.
    files = call.state.files[(call.repo.lower(), pr["number"])][:3000]
    return paged(call, [dict(f) for f in files])


# ---- repository contents -------------------------------------------------------------------------
def _content_item(call: Call, path: str, text: str | None) -> dict:
    """GitHub's content-file (text given) or directory-entry shape."""
    name = path.rsplit("/", 1)[-1]
    base = f"{call.url.split('/contents/')[0]}/contents/{path}"
    item = {"type": "file" if text is not None else "dir", "name": name, "path": path,
            "sha": fake_sha(path, text), "size": len((text or "").encode()), "url": base,
            "html_url": f"https://github.com/{call.repo}/blob/main/{path}",
            "git_url": f"https://api.github.com/repos/{call.repo}/git/blobs/{fake_sha(path, text)}",
            "download_url": f"https://raw.githubusercontent.com/{call.repo}/main/{path}" if text else None,
            "_links": {"self": base, "git": None, "html": None}}
    return item


def get_content(call: Call) -> Result:
    if not call.state.can_see(call.auth, call.repo):
        return _not_found()
    with call.state.lock:
        ref = call.arg("ref") or call.state.repos[call.repo.lower()]["default_branch"]
        tree = dict(call.state.contents.get((call.repo.lower(), ref), {}))
    path = call.params["path"].strip("/")
    if path in tree:
        item = _content_item(call, path, tree[path])
        # GitHub inlines files up to 1 MB, base64 with a newline every 60 characters.
        encoded = base64.b64encode(tree[path].encode()).decode()
        item.update(encoding="base64", content="\n".join(encoded[i:i + 60] for i in range(0, len(encoded), 60)))
        return 200, item, {}
    children = sorted({p[len(path) + 1:].split("/")[0] for p in tree if p.startswith(path + "/")})
    if not children:
        return _not_found()
    entries = []
    for child in children:
        full = f"{path}/{child}"
        entries.append(_content_item(call, full, tree.get(full)))
    return 200, entries, {}


# ---- check runs ----------------------------------------------------------------------------------
def _apply_check_run(run: dict, body: dict) -> Result | None:
    for key in ("name", "details_url", "external_id", "status", "started_at", "conclusion", "completed_at"):
        if key in body:
            run[key] = body[key]
    if "conclusion" in body:
        run["status"] = "completed"  # GitHub: providing a conclusion completes the run
    if run["status"] == "completed" and not run.get("conclusion"):
        return _error(422, "Invalid request.\n\nconclusion is required when status is completed.")
    if run["status"] == "completed" and not run.get("completed_at"):
        run["completed_at"] = iso(dt.datetime.now(dt.timezone.utc))
    output = body.get("output")
    if output:
        annotations = output.get("annotations") or []
        run["annotations"] = run.get("annotations", []) + annotations  # GitHub appends annotations
        run["output"] = {"title": output.get("title"), "summary": output.get("summary"),
                         "text": output.get("text"), "annotations_count": len(run["annotations"])}
    if "actions" in body:
        run["actions"] = body["actions"]
    return None


def create_check_run(call: Call) -> Result:
    if call.auth[0] != "installation":
        return _error(403, "You must authenticate via a GitHub App.")
    if not call.state.can_see(call.auth, call.repo):
        return _not_found()
    with call.state.lock:
        run_id = call.state.next_id()
        run = {"id": run_id, "repo": call.state.repos[call.repo.lower()]["full_name"],
               "head_sha": call.body["head_sha"], "name": call.body["name"], "status": "queued",
               "conclusion": None, "external_id": None, "started_at": iso(dt.datetime.now(dt.timezone.utc)),
               "completed_at": None,
               "output": {"title": None, "summary": None, "text": None, "annotations_count": 0},
               "annotations": [], "actions": [], "app": {"id": call.state.app_id},
               "html_url": f"https://github.com/{call.repo}/runs/{run_id}",
               "url": f"{call.url}/{run_id}", "details_url": None}
        problem = _apply_check_run(run, call.body)
        if problem:
            return problem
        call.state.check_runs.append(run)
        return 201, dict(run), {}


def update_check_run(call: Call) -> Result:
    if call.auth[0] != "installation":
        return _error(403, "You must authenticate via a GitHub App.")
    with call.state.lock:
        for run in call.state.check_runs:
            if run["id"] == int(call.params["check_run_id"]) and run["repo"].lower() == call.repo.lower():
                before = dict(run)
                problem = _apply_check_run(run, call.body)
                if problem:
                    run.clear()
                    run.update(before)
                    return problem
                return 200, dict(run), {}
    return _not_found()


def list_check_runs(call: Call) -> Result:
    if not call.state.can_see(call.auth, call.repo):
        return _not_found()
    name, status = call.arg("check_name"), call.arg("status")
    with call.state.lock:
        runs = [dict(r) for r in call.state.check_runs
                if r["repo"].lower() == call.repo.lower() and r["head_sha"] == call.params["ref"]
                if (name is None or r["name"] == name) and (status is None or r["status"] == status)]
    if call.arg("filter", "latest") == "latest":
        newest: dict[str, dict] = {}
        for run in runs:
            newest[run["name"]] = run
        runs = list(newest.values())
    runs.sort(key=lambda r: r["id"], reverse=True)
    return paged(call, runs, lambda chunk: {"total_count": len(runs), "check_runs": chunk})


# GitHub's legacy ``permission`` maps maintain to write and triage to read; ``role_name`` keeps the role.
_LEGACY_PERMISSION = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read",
                      "none": "none"}


def _user(login: str, user_id: int) -> dict:
    api = f"https://api.github.com/users/{login}"
    return {"login": login, "id": user_id, "node_id": f"U_{login}", "avatar_url": "", "gravatar_id": "",
            "url": api, "html_url": f"https://github.com/{login}", "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}", "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs", "repos_url": f"{api}/repos", "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events", "type": "User", "site_admin": False}


def collaborator_permission(call: Call) -> Result:
    if not call.state.can_see(call.auth, call.repo):
        return _not_found()
    login = call.params["username"]
    role = call.state.role(call.repo, login)
    user = dict(_user(login, call.state.next_id()), role_name=role)
    return 200, {"permission": _LEGACY_PERMISSION[role], "role_name": role, "user": user}, {}


def rate_limit(call: Call) -> Result:
    core = {"limit": 5000, "remaining": 4999, "reset": 0, "used": 1}
    return 200, {"resources": {"core": core, "graphql": core}, "rate": core}, {}


# (METHOD, OpenAPI path template) -> (handler, credential it needs: "app" JWT or "token")
ROUTES: dict[tuple[str, str], tuple[Callable[[Call], Result], str]] = {
    ("GET", "/app/installations"): (list_installations, "app"),
    ("POST", "/app/installations/{installation_id}/access_tokens"): (create_token, "app"),
    ("GET", "/repos/{owner}/{repo}/installation"): (repo_installation, "app"),
    ("GET", "/installation/repositories"): (installation_repositories, "token"),
    ("GET", "/repos/{owner}/{repo}/pulls"): (list_pulls, "token"),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}"): (get_pull, "token"),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files"): (list_files, "token"),
    ("GET", "/repos/{owner}/{repo}/contents/{path}"): (get_content, "token"),
    ("POST", "/repos/{owner}/{repo}/check-runs"): (create_check_run, "token"),
    ("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}"): (update_check_run, "token"),
    ("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs"): (list_check_runs, "token"),
    ("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission"): (collaborator_permission, "token"),
    ("GET", "/rate_limit"): (rate_limit, "token"),
}
