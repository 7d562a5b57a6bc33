"""The GitHub App: authenticates as the App (JWT) and hands out per-installation clients."""
from __future__ import annotations

from typing import Callable

from prguard.github.api import GitHubClient, split_repo
from prguard import timestamps
from prguard.github.auth import AppJwt, InstallationToken, InstallationTokens
from prguard.github.client import HttpCore


class GitHubApp:
    """One App identity; ``installation(id)`` returns a client whose token is minted and cached here.

    All clients share one HttpCore (one connection pool, one request counter, one rate-limit pause).
    """

    def __init__(self, app_id: str | int, private_key_pem: str, api_url: str,
                 clock: Callable[[], float] | None = None, **core_options):
        if clock is not None:
            core_options["clock"] = clock
        self.core = HttpCore(api_url, **core_options)
        self.jwt = AppJwt(app_id, private_key_pem, clock=self.core.clock)
        self.tokens = InstallationTokens(self._mint, clock=self.core.clock)

    @classmethod
    def from_settings(cls, settings, **core_options) -> "GitHubApp":
        """The App configured by GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY(_PATH) and GITHUB_API_URL."""
        if not settings.has_app_credentials:
            raise ValueError("set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (or GITHUB_APP_PRIVATE_KEY_PATH)")
        return cls(settings.github_app_id, settings.app_private_key(), settings.github_api_url,
                   **core_options)

    @property
    def requests_made(self) -> int:
        return self.core.requests_made

    def close(self) -> None:
        self.core.close()

    def _mint(self, installation_id: int) -> tuple[str, float]:
        body = self.core.json("POST", f"/app/installations/{int(installation_id)}/access_tokens", self.jwt)
        return body["token"], timestamps.parse(body["expires_at"]).timestamp()

    def installation(self, installation_id: int) -> GitHubClient:
        return GitHubClient(self.core, InstallationToken(self.tokens, int(installation_id)))

    def list_installations(self) -> list[dict]:
        return list(self.core.paginate("/app/installations", self.jwt))

    def repository_installation(self, repo: str) -> dict:
        """The installation of this App on ``repo`` (404 GitHubError when the App is not installed there)."""
        split_repo(repo)
        return self.core.json("GET", f"/repos/{repo}/installation", self.jwt)
