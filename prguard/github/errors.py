"""Errors the GitHub client raises, each with a message that tells the operator what to do."""
from __future__ import annotations

from prguard.config import ConfigError


class GitHubError(RuntimeError):
    """GitHub answered with an error status (after any retries), or could not be reached."""

    def __init__(self, message: str, status: int | None = None, method: str = "", path: str = "",
                 body: object = None):
        super().__init__(message)
        self.status = status
        self.method = method
        self.path = path
        self.body = body


class GitHubAuthError(GitHubError):
    """GitHub rejected our credentials (bad App id or key, revoked token, uninstalled App)."""


class UnusableAppKey(GitHubAuthError, ConfigError):
    """The App's private key cannot be used at all: a configuration error, found before any request."""


class RateLimitWaitTooLong(GitHubError):
    """Honouring GitHub's rate limit would take longer than the configured bound on waiting."""

    def __init__(self, message: str, wait_seconds: float, **kwargs):
        super().__init__(message, **kwargs)
        self.wait_seconds = wait_seconds


class GitHubGraphQLError(GitHubError):
    """A GraphQL answer carried ``errors`` (HTTP 200 with a failed query)."""

    def __init__(self, message: str, errors: list, **kwargs):
        super().__init__(message, **kwargs)
        self.errors = errors
