"""The one HTTP core every GitHub call goes through: User-Agent, auth header, retries, rate limits, paging.

Why a small explicit loop over ``requests`` rather than urllib3's ``Retry`` (or PyGithub's
``GithubRetry`` subclass of it): urllib3 retries inside the connection pool, where we cannot refresh an
installation token after a 401, cannot check whether a timed-out POST already created its check run
before sending it again, cannot bound the total time spent waiting across rate-limit resets, and sleeps
with ``time.sleep`` so tests cannot make the waits instant. We still reuse the well-kept parts:
``requests`` for HTTP and connection pooling, and PyGithub's rate-limit message classification.
"""
from __future__ import annotations

import collections
import logging
import random
import threading
import time
import urllib.parse
from typing import Any, Callable, Iterator, Protocol

import requests

from prguard.github.endpoints import USER_AGENT, graphql_url, rest_base_url
from prguard.github.errors import GitHubAuthError, GitHubError, GitHubGraphQLError, RateLimitWaitTooLong
from prguard.github.ratelimit import RetryPolicy, backoff, rate_limit_wait, reset_wait

log = logging.getLogger(__name__)

API_VERSION = "2022-11-28"
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
DEFAULT_TIMEOUT = (10.0, 30.0)  # (connect, read) seconds
# POSTs that read (GraphQL queries) or mint credentials create no content, so GitHub's pacing advice
# for content-creating requests does not apply to them.
UNPACED_SUFFIXES = ("/graphql", "/access_tokens")


class Credential(Protocol):
    def token(self) -> str: ...

    def invalidate(self, token: str) -> bool: ...


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of a URL, the default port filled in: what "the same server" means."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number names no server we talk to
        return scheme, "", -1
    return scheme, (parts.hostname or "").lower(), port or {"https": 443, "http": 80}.get(scheme)


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error_for(method: str, path: str, response: requests.Response, body: Any) -> GitHubError:
    message = body.get("message") if isinstance(body, dict) else None
    detail = f"{response.status_code} {message or response.reason}"
    if response.status_code == 401:
        return GitHubAuthError(
            f"GitHub rejected the credentials ({detail}) for {method} {path}; check GITHUB_APP_ID and the "
            "App private key (or GITHUB_TOKEN), and that the App is still installed",
            status=401, method=method, path=path, body=body)
    hint = ""
    if response.status_code in (403, 404):
        hint = " (is the App installed on this repository, with the permissions in its manifest?)"
    return GitHubError(f"GitHub answered {detail} for {method} {path}{hint}",
                       status=response.status_code, method=method, path=path, body=body)


# Content-creating requests are scheduled this much further apart than the interval: a request sent a
# little late (a busy thread, a slow connect) or crossing the network faster than the one before must
# still arrive at GitHub at least the interval after it (measured by perf/bench_burst.py: up to ~65 ms).
ARRIVAL_GUARD_SECONDS = 0.1


def write_spacing(interval: float) -> float:
    """The spacing writes are scheduled at for a minimum ``interval`` between their arrivals."""
    return interval + ARRIVAL_GUARD_SECONDS if interval > 0 else 0.0


class HttpCore:
    """Sends GitHub API requests with retries and throttling; shared by the App, installation and token
    clients so that counts and rate-limit pauses are shared too.

    ``sleep`` and ``clock`` are injectable so tests run the retry schedule without waiting.
    ``observer(method, status)`` is called for every HTTP attempt (status None for a network error),
    and ``limit_observer(limit)`` for every rate-limit answer ("primary": the budget is spent and GitHub
    named its reset; "secondary": anything else GitHub asked us to wait for), both for metrics.
    ``write_pacer(installation_id, interval, per_hour, now)`` reserves an installation's next
    content-creating request slot and returns the seconds to wait for it; given one (the store's
    pacing), installations are paced across every process that shares it, otherwise per process.
    """

    def __init__(self, api_url: str, policy: RetryPolicy | None = None,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time,
                 observer: Callable[[str, int | None], None] | None = None, rng: random.Random | None = None,
                 limit_observer: Callable[[str], None] | None = None,
                 write_pacer: Callable[[int, float, int, float], float] | None = None):
        self.rest_url = rest_base_url(api_url)
        self.graphql_url = graphql_url(api_url)
        self.policy = policy or RetryPolicy()
        self.timeout = timeout
        self._sleep = sleep
        self.clock = clock
        self._observer = observer
        self._limit_observer = limit_observer
        self._write_pacer = write_pacer
        self._rng = rng or random.Random()
        self._origin = origin(self.rest_url)
        self._session = requests.Session()
        self._session.headers.update({
            "User-Agent": USER_AGENT,
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        })
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self._last_write = float("-inf")
        self.requests_made = 0
        self.statuses: collections.Counter = collections.Counter()

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> "HttpCore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- throttling ------------------------------------------------------------------------------
    def _throttle(self, method: str, waited: float, path: str, credential: Credential | None) -> float:
        """Sleep until an exhausted primary limit resets and until this write's paced slot comes."""
        paced = method in WRITE_METHODS and not path.endswith(UNPACED_SUFFIXES)
        installation_id = getattr(credential, "installation_id", None)
        shared = paced and installation_id is not None and self._write_pacer is not None
        with self._lock:
            now = self.clock()
            wait = max(0.0, self._paused_until - now)
            if paced and not shared:
                wait = max(wait, self._last_write + write_spacing(self.policy.min_write_interval) - now)
                self._last_write = now + wait
        if shared:
            # Reserved in the store, so every worker process of this installation shares one schedule;
            # the wait counts from ``now``, so the time the reservation itself took is not waited twice.
            slot = self._write_pacer(installation_id, write_spacing(self.policy.min_write_interval),
                                     self.policy.writes_per_hour, now)
            wait = max(wait, now + slot - self.clock())
        if wait <= 0:
            return 0.0
        if waited + wait > self.policy.max_wait:
            raise RateLimitWaitTooLong(
                f"GitHub's rate limit resets in {wait:.0f} s, beyond the {self.policy.max_wait:.0f} s this "
                "client may wait; run again later or raise the wait bound",
                wait_seconds=wait, method=method, path=path)
        self._sleep(wait)
        return wait

    def _note_limits(self, headers) -> None:
        wait = reset_wait(headers, self.clock())
        if wait is not None:
            with self._lock:
                self._paused_until = max(self._paused_until, self.clock() + wait)

    def _count(self, method: str, status: int | None) -> None:
        with self._lock:
            self.requests_made += 1
            self.statuses[status if status is not None else "error"] += 1
        if self._observer is not None:
            self._observer(method, status)

    # ---- requests --------------------------------------------------------------------------------
    def request(self, method: str, path: str, credential: Credential | None, *, params: dict | None = None,
                json: Any = None, url: str | None = None,
                already_done: Callable[[], bool] | None = None) -> requests.Response | None:
        """Send one API call, retrying what GitHub says is worth retrying; raise GitHubError otherwise.

        ``path`` is relative to the REST root unless ``url`` is given (paging links, GraphQL).
        ``already_done`` guards non-idempotent calls: before re-sending after a timeout or 5xx (which
        may have been applied anyway) it is asked whether the effect exists; if so, None is returned.
        """
        method = method.upper()
        target = url or f"{self.rest_url}{path}"
        if url is not None and origin(url) != self._origin:
            # A Link header (or any absolute URL) elsewhere would receive the installation token.
            scheme, host, port = origin(url)
            raise GitHubError(
                f"refusing to send {method} {path} to {scheme}://{host}:{port}: it is not the GitHub API's "
                f"origin ({self.rest_url}); GitHub's own paging links never leave it",
                method=method, path=path)
        waited, attempt, refreshed = 0.0, 0, False
        while True:
            attempt += 1
            waited += self._throttle(method, waited, path, credential)
            token = credential.token() if credential is not None else None
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            try:
                response = self._session.request(method, target, params=params, json=json, headers=headers,
                                                 timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                self._count(method, None)
                failure: GitHubError = GitHubError(
                    f"could not reach GitHub for {method} {path} ({type(exc).__name__}); "
                    "check GITHUB_API_URL and the network", method=method, path=path)
                wait, ambiguous, limited = backoff(attempt, self.policy, self._rng), True, False
            else:
                status = response.status_code
                self._count(method, status)
                log.debug("GitHub %s %s -> %s", method, path, status)
                self._note_limits(response.headers)
                if status < 400:
                    return response
                if status == 401 and credential is not None and not refreshed \
                        and credential.invalidate(token):
                    refreshed = True  # one fresh installation token, then a 401 is final
                    attempt -= 1
                    continue
                body = _json_or_none(response)
                failure = _error_for(method, path, response, body)
                wait = rate_limit_wait(status, response.headers, body, self.clock(), self.policy)
                limited = wait is not None
                if limited and self._limit_observer is not None:
                    primary = reset_wait(response.headers, self.clock()) is not None
                    self._limit_observer("primary" if primary else "secondary")
                if wait is None and status >= 500:
                    wait = backoff(attempt, self.policy, self._rng)
                if wait is None:
                    raise failure
                ambiguous = status >= 500
            if attempt >= self.policy.max_attempts:
                raise failure
            if waited + wait > self.policy.max_wait:
                if limited:
                    raise RateLimitWaitTooLong(
                        f"GitHub asked to wait {wait:.0f} s before retrying {method} {path}, beyond the "
                        f"{self.policy.max_wait:.0f} s bound; run again later or raise the wait bound",
                        wait_seconds=wait, status=failure.status, method=method, path=path)
                raise failure
            log.info("retrying GitHub %s %s in %.1f s (%s)", method, path, wait, failure)
            self._sleep(wait)
            waited += wait
            if ambiguous and already_done is not None and already_done():
                return None

    def json(self, method: str, path: str, credential: Credential | None, **kwargs) -> Any:
        response = self.request(method, path, credential, **kwargs)
        return None if response is None else _json_or_none(response)

    def paginate(self, path: str, credential: Credential | None, params: dict | None = None,
                 item_key: str | None = None, max_items: int | None = None) -> Iterator[dict]:
        """Items of a paged REST list, following the ``Link: rel="next"`` headers GitHub sends."""
        params = {"per_page": 100, **(params or {})}
        url, seen = None, 0
        while True:
            response = self.request("GET", path, credential, params=None if url else params, url=url)
            body = _json_or_none(response)
            items = body.get(item_key, []) if item_key else body
            for item in items or []:
                yield item
                seen += 1
                if max_items is not None and seen >= max_items:
                    return
            url = response.links.get("next", {}).get("url")
            if not url or not items:
                return

    def graphql(self, query: str, variables: dict, credential: Credential | None) -> dict:
        """``data`` of a GraphQL query. GitHub reports an exhausted GraphQL budget as HTTP 200 with an
        error of type RATE_LIMITED; that waits for the reset like a REST limit, other errors raise."""
        waited = 0.0
        for _ in range(self.policy.max_attempts):
            response = self.request("POST", "/graphql", credential, url=self.graphql_url,
                                    json={"query": query, "variables": variables})
            body = _json_or_none(response) or {}
            errors = body.get("errors") or []
            if not errors:
                return body.get("data") or {}
            if not any(isinstance(e, dict) and e.get("type") == "RATE_LIMITED" for e in errors):
                messages = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e)
                                     for e in errors)
                raise GitHubGraphQLError(f"GitHub GraphQL query failed: {messages}", errors=errors,
                                         status=response.status_code, method="POST", path="/graphql")
            primary = reset_wait(response.headers, self.clock()) is not None
            if self._limit_observer is not None:
                self._limit_observer("primary" if primary else "secondary")
            if primary:
                continue  # the answer said 0 remaining: the next request's throttle waits for the reset
            wait = self.policy.secondary_wait
            if waited + wait > self.policy.max_wait:
                raise RateLimitWaitTooLong(
                    f"GitHub's GraphQL rate limit resets in {wait:.0f} s, beyond the "
                    f"{self.policy.max_wait:.0f} s bound; run again later or raise the wait bound",
                    wait_seconds=wait, path="/graphql")
            log.info("GitHub GraphQL rate limited; waiting %.0f s", wait)
            self._sleep(wait)
            waited += wait
        raise GitHubGraphQLError("GitHub GraphQL stayed rate limited", errors=[], path="/graphql")
