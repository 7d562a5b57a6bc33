"""The GitHub client sends its token only to the API's own origin: a Link header pointing elsewhere stops
paging with a clear error, and the other server never sees a request."""
from __future__ import annotations

import contextlib
import http.server
import json
import threading

import pytest

from prguard.github import GitHubError
from prguard.github.api import GitHubClient
from prguard.github.auth import StaticToken
from prguard.github.client import HttpCore, origin

TOKEN = "ghs_installation-token-secret"


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every GET with one page of check runs and a Link header the test chooses."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        server = self.server
        server.seen.append((self.path, self.headers.get("Authorization")))
        body = json.dumps({"total_count": 1, "check_runs": [{"id": len(server.seen)}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if server.next_link and len(server.seen) == 1:
            self.send_header("Link", f'<{server.next_link}>; rel="next"')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.seen, server.next_link = [], None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def client(api: str) -> GitHubClient:
    return GitHubClient(HttpCore(api, timeout=(2.0, 2.0)), StaticToken(TOKEN))


def test_a_next_link_to_another_origin_is_refused_and_gets_no_token():
    with serving() as api, serving() as elsewhere:
        api_url = f"http://127.0.0.1:{api.server_port}"
        api.next_link = f"http://127.0.0.1:{elsewhere.server_port}/steal?page=2"
        github = client(api_url)
        with pytest.raises(GitHubError, match="not the GitHub API's origin") as raised:
            github.list_check_runs_for_ref("acme/web", "a" * 40)
        github.close()
    assert TOKEN not in str(raised.value)
    assert elsewhere.seen == []
    assert api.seen == [("/repos/acme/web/commits/" + "a" * 40 + "/check-runs?per_page=100&filter=all",
                         f"Bearer {TOKEN}")]


def test_a_next_link_on_the_same_origin_is_followed():
    with serving() as api:
        api.next_link = f"http://127.0.0.1:{api.server_port}/repositories/1/commits/x/check-runs?page=2"
        github = client(f"http://127.0.0.1:{api.server_port}")
        runs = github.list_check_runs_for_ref("acme/web", "a" * 40)
        github.close()
    assert [run["id"] for run in runs] == [1, 2]
    assert [auth for _, auth in api.seen] == [f"Bearer {TOKEN}"] * 2


@pytest.mark.parametrize("link", ["https://api.github.com.evil.example/x", "http://api.github.com/x",
                                  "https://api.github.com:8443/x", "https://evil.example/api.github.com/x",
                                  "https://user@evil.example/", "https://api.github.com:notaport/x"])
def test_origins_differ_by_scheme_host_or_port(link):
    assert origin(link) != origin("https://api.github.com")


@pytest.mark.parametrize("link", ["https://api.github.com/repositories/1/pulls?page=2",
                                  "https://API.github.com:443/x", "https://api.github.com"])
def test_the_apis_own_links_share_its_origin(link):
    assert origin(link) == origin("https://api.github.com")


def test_a_sha_that_would_walk_the_path_never_reaches_the_network():
    with serving() as api:
        github = client(f"http://127.0.0.1:{api.server_port}")
        with pytest.raises(ValueError, match="head_sha"):
            github.list_check_runs_for_ref("acme/web", "../../../../app/installations#")
        with pytest.raises(ValueError, match="OWNER/NAME"):
            github.get_pull_request("acme/..", 1)
        github.close()
    assert api.seen == []
