"""A fake GitHub API on 127.0.0.1 that answers only requests valid against GitHub's published API.

Every REST request is checked against GitHub's OpenAPI description and every GraphQL query against
GitHub's GraphQL schema; an invalid one gets 400/422 with the reason and is kept in ``violations``.
GraphQL queries are executed against the in-memory state, so real queries really run. Failures
(5xx, secondary rate limits, 429, expired tokens, slow answers) can be queued per path.
"""
from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.fakes.fake_rest import ROUTES, Call
from tests.fakes.fake_state import FakeState
from tests.fakes.graphql_api import GraphQLApi
from tests.fakes.openapi_rules import openapi_rules, parse_json_body

SECONDARY_LIMIT_MESSAGE = ("You have exceeded a secondary rate limit. Please wait a few minutes before you try "
                           "again. If you reach out to GitHub Support for help, please include the request ID.")
_DEFAULT_BODIES = {
    401: "Bad credentials",
    403: SECONDARY_LIMIT_MESSAGE,
    429: "API rate limit exceeded for installation.",
}


def generate_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


class _QuietHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args) -> None:  # the request log lives in FakeGitHub.requests
        pass


class FakeGitHub:
    """``FakeGitHub().start()`` returns the REST base URL (``…/api/v3`` when ``enterprise``)."""

    def __init__(self, app_id: int = 4242, private_key_pem: str | None = None, token_ttl: float = 3600,
                 enterprise: bool = False, validate: bool = True, latency: float = 0.0):
        self.app_id = app_id
        self.latency = latency  # seconds every answer takes, like GitHub's ~100 ms per call (benchmarks)
        self.private_key_pem = private_key_pem or generate_private_key_pem()
        self._public_key = serialization.load_pem_private_key(self.private_key_pem.encode(), None).public_key()
        self.state = FakeState(app_id, token_ttl)
        self.graphql = GraphQLApi(self.state)
        self.prefix = "/api/v3" if enterprise else ""
        self.graphql_path = "/api/graphql" if enterprise else "/graphql"
        self._rules = openapi_rules() if validate else None
        self._lock = threading.Lock()
        self._failures: list[dict] = []
        self.requests: list[dict] = []
        self.violations: list[dict] = []
        self._server = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # ---- lifecycle -------------------------------------------------------------------------------
    def start(self) -> str:
        self._server = make_server("127.0.0.1", 0, self, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-github", daemon=True)
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{self._server.server_port}{self.prefix}"
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> "FakeGitHub":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- world -----------------------------------------------------------------------------------
    def add_installation(self, installation_id: int, account: str, repos: list[str] = ()) -> dict:
        return self.state.add_installation(installation_id, account, list(repos))

    def add_repo(self, full_name: str, installation_id: int | None = None, default_branch: str = "main") -> dict:
        return self.state.add_repo(full_name, installation_id, default_branch)

    def add_pull(self, repo: str, number: int | None = None, **fields) -> dict:
        return self.state.add_pull(repo, number, **fields)

    def update_pull(self, repo: str, number: int, **changes) -> dict:
        return self.state.update_pull(repo, number, **changes)

    def set_contents(self, repo: str, sha: str, files: dict[str, str]) -> None:
        """The files of ``repo`` at commit ``sha``, served by "Get repository content" (``?ref=sha``)."""
        self.state.set_contents(repo, sha, files)

    def set_role(self, repo: str, login: str, role: str) -> None:
        """``login``'s role on ``repo`` (admin, maintain, write, triage, read, none); default read."""
        self.state.set_role(repo, login, role)

    def add_token(self, token: str) -> None:
        """Accept ``token`` as a personal access token (sees every repository, cannot write check runs)."""
        self.state.personal_tokens.add(token)

    def revoke_tokens(self) -> None:
        self.state.revoke_tokens()

    @property
    def check_runs(self) -> list[dict]:
        with self.state.lock:
            return [dict(run) for run in self.state.check_runs]

    # ---- failure injection and inspection --------------------------------------------------------
    def fail_next(self, path_regex: str, status: int | None = 500, count: int = 1,
                  headers: dict[str, str] | None = None, body: Any = None, method: str | None = None,
                  delay: float = 0.0, skip: int = 0) -> None:
        """The next ``count`` requests whose path matches answer ``status`` (after ``delay`` seconds),
        once ``skip`` matching requests have been let through.

        ``status=None`` with a delay makes slow but otherwise normal answers: the request is applied at
        once and its answer held back, as when GitHub did the work but the answer came too late.
        403 and 429 default to GitHub's rate-limit messages; pass ``headers={"retry-after": "1"}`` etc.
        """
        if body is None and status is not None:
            body = {"message": _DEFAULT_BODIES.get(status, "Server Error")}
        with self._lock:
            self._failures.append({"pattern": re.compile(path_regex), "status": status, "remaining": count,
                                   "headers": dict(headers or {}), "body": body,
                                   "method": method.upper() if method else None, "delay": delay,
                                   "skip": skip})

    def slow_next(self, path_regex: str, seconds: float, count: int = 1, method: str | None = None) -> None:
        self.fail_next(path_regex, None, count, method=method, delay=seconds)

    def request_count(self, path_regex: str | None = None, method: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests
                       if (path_regex is None or re.search(path_regex, r["path"]))
                       and (method is None or r["method"] == method.upper()))

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def _take_failure(self, method: str, path: str) -> dict | None:
        with self._lock:
            for failure in self._failures:
                if failure["remaining"] > 0 and failure["pattern"].search(path) and \
                        failure["method"] in (None, method):
                    if failure["skip"] > 0:
                        failure["skip"] -= 1
                        return None
                    failure["remaining"] -= 1
                    return failure
        return None

    # ---- WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        raw = request.get_data()
        entry = {"method": request.method, "path": request.path, "query": request.query_string.decode(),
                 "user_agent": request.headers.get("User-Agent", ""), "body": parse_json_body(raw),
                 "time": time.time(), "status": None}
        with self._lock:  # logged on arrival, so a slow answer still in progress is counted
            self.requests.append(entry)
        if self.latency:
            time.sleep(self.latency)
        status, body, headers = self._answer(request, raw, entry)
        entry["status"] = status
        headers = {**self._rate_headers(), "Content-Type": "application/json; charset=utf-8", **headers}
        return Response(json.dumps(body), status=status, headers=headers)(environ, start_response)

    def _rate_headers(self) -> dict[str, str]:
        used = len(self.requests) + 1
        return {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": str(max(0, 5000 - used)),
                "x-ratelimit-reset": str(int(time.time()) + 3600), "x-ratelimit-used": str(used),
                "x-ratelimit-resource": "core"}

    def _violation(self, entry: dict, status: int, reasons: list[str]) -> tuple[int, Any, dict]:
        with self._lock:
            self.violations.append({"method": entry["method"], "path": entry["path"], "reasons": reasons})
        return status, {"message": "; ".join(reasons), "fake_github_violation": True}, {}

    def _answer(self, request: Request, raw: bytes, entry: dict) -> tuple[int, Any, dict]:
        method, path = request.method, request.path
        if not entry["user_agent"]:
            return self._violation(entry, 403, ["requests must carry a User-Agent header"])
        if path == self.graphql_path and method == "POST":
            return self._graphql(request, entry)
        if not path.startswith(self.prefix + "/"):
            return self._violation(entry, 400, [f"{path} is outside the API root {self.prefix or '/'}"])
        rest_path = path[len(self.prefix):]
        query = {k: request.args.getlist(k) for k in request.args}
        operation, params, why = self._rules.match(method, rest_path) if self._rules else (None, {}, None)
        if self._rules is not None:
            if operation is None:
                return self._violation(entry, 400, [why])
            problems = operation.check(params, query, entry["body"], raw)
            if problems:
                return self._violation(entry, 422, problems)
        template = operation.template if operation else rest_path
        failure, delay_after = self._injected(method, path)
        if failure is not None:
            return failure
        try:
            return self._route(request, method, template, params, query, entry)
        finally:
            time.sleep(delay_after)

    def _route(self, request, method, template, params, query, entry) -> tuple[int, Any, dict]:
        route = ROUTES.get((method, template))
        if route is None:
            return 404, {"message": f"the fake GitHub does not implement {method} {template}"}, {}
        handler, needs = route
        auth, problem = self._authenticate(request, needs)
        if problem:
            return 401, {"message": problem}, {}
        entry["auth"] = auth[0]
        return handler(Call(self.state, params, query, entry["body"], auth, request.base_url))

    def _injected(self, method: str, path: str) -> tuple[tuple[int, Any, dict] | None, float]:
        """An injected answer (after its delay), or None and how long to hold back the real answer."""
        failure = self._take_failure(method, path)
        if failure is None:
            return None, 0.0
        if failure["status"] is None:
            return None, failure["delay"]
        time.sleep(failure["delay"])
        return (failure["status"], failure["body"], failure["headers"]), 0.0

    def _graphql(self, request: Request, entry: dict) -> tuple[int, Any, dict]:
        body = entry["body"]
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return self._violation(entry, 400, ["GraphQL requests must be JSON with a 'query' string"])
        errors = self.graphql.validation_errors(body["query"])
        if errors:
            return self._violation(entry, 422, errors)
        failure, delay_after = self._injected("POST", request.path)
        if failure is not None:
            return failure
        auth, problem = self._authenticate(request, "token")
        if problem:
            return 401, {"message": problem}, {}
        entry["auth"] = auth[0]
        answer = self.graphql.run(body["query"], body.get("variables"), auth)
        time.sleep(delay_after)
        return 200, answer, {}

    def _authenticate(self, request: Request, needs: str) -> tuple[tuple[str, int | None], str | None]:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "token") or not token:
            return ("none", None), "Requires authentication"
        if needs == "app":
            return self._check_jwt(token)
        installation_id = self.state.token_installation(token)
        if installation_id is not None:
            return ("installation", installation_id), None
        if token in self.state.personal_tokens:
            return ("personal", None), None
        return ("none", None), "Bad credentials"

    def _check_jwt(self, token: str) -> tuple[tuple[str, int | None], str | None]:
        try:
            claims = jwt.decode(token, self._public_key, algorithms=["RS256"],
                                options={"require": ["iat", "exp", "iss"]})
        except jwt.PyJWTError as exc:
            return ("none", None), f"A JSON web token could not be decoded ({exc})"
        if claims["exp"] - time.time() > 600 + 5:
            return ("none", None), "'Expiration time' claim ('exp') is too far in the future"
        if str(claims["iss"]) != str(self.app_id):
            return ("none", None), "'Issuer' claim ('iss') must be the App ID"
        return ("app", None), None
