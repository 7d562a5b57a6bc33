"""Locust load test of the webhook receiver: signed GitHub-shaped deliveries in a realistic mix.

Run:  locust -f perf/locustfile.py --headless -u 20 -r 10 -t 30s --host http://127.0.0.1:8000
Options (flag or environment variable):
  --webhook-secret / GITHUB_WEBHOOK_SECRET   the receiver's secret (required)
  --max-fail-ratio / PRGUARD_LOAD_MAX_FAIL_RATIO   fail the run above this share of failures (0.01)
  --max-p95-ms / PRGUARD_LOAD_MAX_P95_MS      fail the run when p95 latency exceeds this (1000 ms)
  --repositories / PRGUARD_LOAD_REPOSITORIES  how many distinct repositories to simulate (50)
The run exits non-zero (a quitting hook sets the exit code) when a threshold is exceeded, so it can
gate a blue/green promotion.

Mix per delivery: pull_request synchronize 45 %, opened 15 %, check_suite requested 10 %,
redelivery of an earlier delivery (same X-GitHub-Delivery) 10 %, other events PRGuard ignores 12 %,
pull_request actions it ignores 5 %, ping 3 %.
"""
from __future__ import annotations

import collections
import datetime as dt
import json
import logging
import os
import random
import uuid

from locust import HttpUser, between, events, task

from prguard.demo.replay import github_headers
from prguard.secrets import secrets_from_env

WEBHOOK_PATH = "/webhooks/github"
IGNORED_EVENTS = ("create", "issues", "star", "workflow_run", "issue_comment")  # push is used (config cache)
# Redeliveries are drawn from the last deliveries each user sent.
REMEMBERED_DELIVERIES = 50


@events.init_command_line_parser.add_listener
def add_options(parser):
    parser.add_argument("--webhook-secret", env_var="GITHUB_WEBHOOK_SECRET", default="",
                        help="Webhook secret the receiver checks signatures with")
    parser.add_argument("--max-fail-ratio", env_var="PRGUARD_LOAD_MAX_FAIL_RATIO", type=float, default=0.01,
                        help="Exit non-zero when the share of failed requests is above this")
    parser.add_argument("--max-p95-ms", env_var="PRGUARD_LOAD_MAX_P95_MS", type=float, default=1000.0,
                        help="Exit non-zero when the 95th percentile response time is above this")
    parser.add_argument("--repositories", env_var="PRGUARD_LOAD_REPOSITORIES", type=int, default=50,
                        help="Number of distinct repositories deliveries are spread over")


@events.test_start.add_listener
def require_secret(environment, **_):
    if not environment.parsed_options.webhook_secret:
        # In the cluster the analysis Job has no secret in its environment: it reads Vault (VAULT_ADDR).
        provider = secrets_from_env(os.environ)
        environment.parsed_options.webhook_secret = provider.find("GITHUB_WEBHOOK_SECRET") or ""
    if not environment.parsed_options.webhook_secret:
        logging.error("set --webhook-secret or GITHUB_WEBHOOK_SECRET: every delivery would be refused")
        environment.process_exit_code = 2
        if environment.runner is not None:
            environment.runner.quit()


@events.quitting.add_listener
def enforce_thresholds(environment, **_):
    """Fail the run (exit code 1) when the error ratio or p95 latency is over its threshold."""
    options = environment.parsed_options
    total = environment.stats.total
    if total.num_requests == 0:
        logging.error("no request was made")
        environment.process_exit_code = 1
        return
    p95 = total.get_response_time_percentile(0.95)
    if total.fail_ratio > options.max_fail_ratio:
        logging.error("failure ratio %.4f is above %.4f", total.fail_ratio, options.max_fail_ratio)
        environment.process_exit_code = 1
    elif p95 > options.max_p95_ms:
        logging.error("p95 response time %.0f ms is above %.0f ms", p95, options.max_p95_ms)
        environment.process_exit_code = 1


def _repository(index: int) -> dict:
    owner = f"load-org-{index % 7}"
    return {"id": 100000 + index, "name": f"service-{index}", "full_name": f"{owner}/service-{index}",
            "private": False, "owner": {"login": owner, "id": 9000 + index % 7, "type": "Organization"}}


class PullRequestState:
    """One simulated PR: its head moves on every push, its updated_at only forward."""

    def __init__(self, repository: dict, number: int, rng: random.Random):
        self.repository, self.number, self.rng = repository, number, rng
        self.head_sha = uuid.uuid4().hex + uuid.uuid4().hex[:8]
        start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
        self.updated = start + dt.timedelta(minutes=rng.randint(0, 10**5))

    def push(self) -> None:
        self.head_sha = uuid.uuid4().hex + uuid.uuid4().hex[:8]
        self.updated += dt.timedelta(seconds=self.rng.randint(1, 3600))

    def payload(self, action: str, installation_id: int) -> dict:
        files = self.rng.choice((1, 2, 2, 3, 5, 8, 40, 180))  # heavy-tailed, like real PRs
        author = f"dev-{self.number % 13}"
        return {
            "action": action, "number": self.number,
            "pull_request": {
                "number": self.number, "state": "open", "draft": False, "title": f"Change {self.number}",
                "body": "Load test pull request", "user": {"login": author, "type": "User"},
                "created_at": "2024-01-01T00:00:00Z",
                "updated_at": self.updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "head": {"ref": f"feature-{self.number}", "sha": self.head_sha, "repo": self.repository},
                "base": {"ref": "main", "sha": "0" * 40, "repo": self.repository},
                "additions": files * 12, "deletions": files * 3, "changed_files": files,
                "commits": 1 + files // 4,
                "author_association": "MEMBER", "labels": [],
            },
            "repository": self.repository, "sender": {"login": author, "type": "User"},
            "installation": {"id": installation_id},
        }


class GitHubWebhooks(HttpUser):
    """A stream of deliveries as GitHub sends them for an App installed on many repositories."""

    wait_time = between(0.05, 0.3)

    def on_start(self):
        self.rng = random.Random()
        count = max(1, self.environment.parsed_options.repositories)
        self.repositories = [_repository(i) for i in range(count)]
        self.pulls: list[PullRequestState] = []
        self.sent: collections.deque = collections.deque(maxlen=REMEMBERED_DELIVERIES)

    # ---- sending -------------------------------------------------------------------------------
    def _installation_id(self, repository: dict) -> int:
        return 50000 + repository["id"] % 7  # one installation per organisation

    def _post(self, event: str, payload: dict, expected: tuple[int, ...], name: str,
              delivery_id: str | None = None, body: bytes | None = None) -> None:
        secret = self.environment.parsed_options.webhook_secret
        body = body if body is not None else json.dumps(payload, separators=(",", ":")).encode()
        headers = github_headers(event, body, secret, delivery_id)
        with self.client.post(WEBHOOK_PATH, data=body, headers=headers, name=name,
                              catch_response=True) as response:
            if response.status_code in expected:
                response.success()
            else:
                response.failure(f"expected {expected}, got {response.status_code}: {response.text[:200]}")
        self.sent.append((event, body, headers["X-GitHub-Delivery"]))

    def _pull(self) -> PullRequestState:
        if not self.pulls or self.rng.random() < 0.2:
            repository = self.rng.choice(self.repositories)
            self.pulls.append(PullRequestState(repository, self.rng.randint(1, 5000), self.rng))
            self.pulls = self.pulls[-20:]
        return self.rng.choice(self.pulls)

    # ---- the mix -------------------------------------------------------------------------------
    @task(45)
    def synchronize(self):
        pull = self._pull()
        pull.push()
        payload = pull.payload("synchronize", self._installation_id(pull.repository))
        self._post("pull_request", payload, (202,), "pull_request.synchronize")

    @task(15)
    def opened(self):
        pull = self._pull()
        self._post("pull_request", pull.payload("opened", self._installation_id(pull.repository)), (202,),
                   "pull_request.opened")

    @task(10)
    def check_suite_requested(self):
        pull = self._pull()
        payload = {"action": "requested", "repository": pull.repository,
                   "installation": {"id": self._installation_id(pull.repository)},
                   "check_suite": {
                       "id": self.rng.randint(1, 10**9), "head_sha": pull.head_sha, "status": "queued",
                       "pull_requests": [{"number": pull.number, "head": {"sha": pull.head_sha}}]}}
        self._post("check_suite", payload, (202,), "check_suite.requested")

    @task(10)
    def redelivery(self):
        if not self.sent:
            return self.synchronize()
        event, body, delivery_id = self.rng.choice(list(self.sent))
        # A redelivery of something already processed is acknowledged (200) or, for events that
        # are never recorded (ping, ignored events), answered as the first time.
        self._post(event, {}, (200, 202), "redelivery", delivery_id=delivery_id, body=body)

    @task(12)
    def ignored_event(self):
        event = self.rng.choice(IGNORED_EVENTS)
        repository = self.rng.choice(self.repositories)
        payload = {"action": "created", "repository": repository,
                   "installation": {"id": self._installation_id(repository)}}
        self._post(event, payload, (202,), "ignored event")

    @task(5)
    def ignored_pull_request_action(self):
        pull = self._pull()
        self._post("pull_request", pull.payload("labeled", self._installation_id(pull.repository)), (202,),
                   "pull_request.labeled")

    @task(3)
    def ping(self):
        self._post("ping", {"zen": "Design for failure.", "hook_id": 1}, (200,), "ping")
