"""GitHub credentials: the App's RS256 JWT, cached installation tokens, a plain token for development."""
from __future__ import annotations

import threading
import time
from typing import Callable

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from prguard.github.errors import UnusableAppKey

# GitHub rejects a JWT whose exp is more than 10 minutes ahead, and clocks drift: iat 60 s in the past
# (GitHub's own advice) and exp 9 minutes ahead keep the whole window within 10 minutes of real time.
JWT_BACKDATE_SECONDS = 60
JWT_LIFETIME_SECONDS = 9 * 60
JWT_REUSE_MARGIN_SECONDS = 60
# Refresh an installation token this long before its expires_at (capped at half its lifetime, so a
# short-lived token is still used for a while instead of being refreshed on every call).
TOKEN_REFRESH_MARGIN_SECONDS = 5 * 60


def load_private_key(pem: str) -> RSAPrivateKey:
    """The App's RSA key, or an error that says how to provide a usable one."""
    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise UnusableAppKey(
            "the GitHub App private key is not a readable PEM key; set GITHUB_APP_PRIVATE_KEY to the full "
            "contents of the .pem file from the App's settings page (including the BEGIN/END lines)"
        ) from None
    if not isinstance(key, RSAPrivateKey):
        raise UnusableAppKey("the GitHub App private key must be an RSA key (GitHub issues RSA keys)")
    return key


class AppJwt:
    """Signs the short-lived JWT that authenticates as the App itself (installations, minting tokens)."""

    scheme = "Bearer"

    def __init__(self, app_id: str | int, private_key_pem: str, clock: Callable[[], float] = time.time):
        self.app_id = str(app_id)
        self._key = load_private_key(private_key_pem)
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[str, float] | None = None  # (jwt, exp)

    def claims(self, now: float) -> dict:
        issued = int(now) - JWT_BACKDATE_SECONDS
        return {"iat": issued, "exp": int(now) + JWT_LIFETIME_SECONDS, "iss": self.app_id}

    def token(self) -> str:
        now = self._clock()
        with self._lock:
            if self._cached is None or now >= self._cached[1] - JWT_REUSE_MARGIN_SECONDS:
                claims = self.claims(now)
                self._cached = (jwt.encode(claims, self._key, algorithm="RS256"), claims["exp"])
            return self._cached[0]

    def invalidate(self, token: str) -> bool:
        """A 401 on a JWT means a wrong key, App id or clock; a fresh JWT would fail the same way."""
        return False


class InstallationTokens:
    """Installation access tokens, cached per installation until shortly before their ``expires_at``.

    ``mint(installation_id)`` asks GitHub for a new token and returns ``(token, expires_at_epoch)``.
    Safe across threads: one lock per installation, so at most one refresh runs for it at a time
    while other installations' tokens stay available.
    """

    def __init__(self, mint: Callable[[int], tuple[str, float]], clock: Callable[[], float] = time.time,
                 margin: float = TOKEN_REFRESH_MARGIN_SECONDS):
        self._mint = mint
        self._clock = clock
        self._margin = margin
        self._guard = threading.Lock()
        self._locks: dict[int, threading.Lock] = {}
        self._tokens: dict[int, tuple[str, float]] = {}  # id -> (token, refresh_at)

    def _lock_for(self, installation_id: int) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(installation_id, threading.Lock())

    def get(self, installation_id: int) -> str:
        with self._lock_for(installation_id):
            cached = self._tokens.get(installation_id)
            now = self._clock()
            if cached is not None and now < cached[1]:
                return cached[0]
            token, expires_at = self._mint(installation_id)
            lifetime = max(0.0, expires_at - now)
            self._tokens[installation_id] = (token, expires_at - min(self._margin, lifetime / 2))
            return token

    def invalidate(self, installation_id: int, token: str) -> None:
        """Forget ``token`` after GitHub rejected it; a newer token another thread fetched is kept."""
        with self._lock_for(installation_id):
            cached = self._tokens.get(installation_id)
            if cached is not None and cached[0] == token:
                del self._tokens[installation_id]


class InstallationToken:
    """The credential of one installation, drawn from the shared cache."""

    scheme = "Bearer"

    def __init__(self, tokens: InstallationTokens, installation_id: int):
        self._tokens = tokens
        self.installation_id = installation_id

    def token(self) -> str:
        return self._tokens.get(self.installation_id)

    def invalidate(self, token: str) -> bool:
        self._tokens.invalidate(self.installation_id, token)
        return True


class StaticToken:
    """A personal access token or Actions GITHUB_TOKEN: nothing to refresh."""

    scheme = "Bearer"

    def __init__(self, token: str):
        self._token = token

    def token(self) -> str:
        return self._token

    def invalidate(self, token: str) -> bool:
        return False
