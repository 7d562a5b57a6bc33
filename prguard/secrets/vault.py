"""VaultSecrets: a component's KV v2 secret in HashiCorp Vault / OpenBao, read after Kubernetes auth login."""
from __future__ import annotations

import dataclasses
import logging
import threading
import time
from pathlib import Path
from typing import Callable, Mapping

import hvac
import hvac.exceptions
import requests

from prguard.config import ConfigError
from prguard.secrets.base import SecretAccessDenied, SecretProvider, SecretsUnavailable

log = logging.getLogger(__name__)

SERVICE_ACCOUNT_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")
DEFAULT_AUTH_MOUNT = "kubernetes"
DEFAULT_KV_MOUNT = "secret"
# Short enough that a rotated secret reaches every pod within a minute, long enough that a busy
# worker reads Vault about once a minute rather than once per job.
DEFAULT_CACHE_SECONDS = 60.0
# Log in again this long before the token's TTL runs out, so a request never races the expiry.
EXPIRY_MARGIN_SECONDS = 30.0


def split_secret_path(secret_path: str, kv_mount: str | None = None) -> tuple[str, str]:
    """(mount, path within the mount) for ``VAULT_SECRET_PATH``.

    Accepted: ``secret/data/prguard/webhook`` (the API path, as in Vault policies), ``secret/prguard/webhook``
    (mount is the first segment, as ``vault kv get`` shows it), or with ``kv_mount`` set, a path relative to
    that mount (needed when the mount name itself contains a slash and the ``/data/`` form is not used).
    """
    path = secret_path.strip().strip("/")
    if kv_mount:
        mount = kv_mount.strip().strip("/")
        for prefix in (f"{mount}/data/", f"{mount}/"):
            if path.startswith(prefix):
                path = path[len(prefix):]
                break
    elif "/data/" in path:
        mount, path = path.split("/data/", 1)
    elif "/" in path:
        mount, path = path.split("/", 1)
    else:
        mount, path = DEFAULT_KV_MOUNT, path
    if not mount or not path:
        raise ConfigError(f"VAULT_SECRET_PATH={secret_path!r} does not name a secret: "
                          "use e.g. secret/data/prguard/webhook")
    return mount, path


@dataclasses.dataclass(frozen=True)
class VaultConfig:
    """Where a component logs in and which single KV v2 secret it reads."""

    addr: str
    role: str
    kv_mount: str
    secret_path: str
    auth_mount: str = DEFAULT_AUTH_MOUNT
    token_path: Path = SERVICE_ACCOUNT_TOKEN
    ca_cert: str | None = None
    cache_seconds: float = DEFAULT_CACHE_SECONDS
    timeout: float = 10.0

    @property
    def location(self) -> str:
        """The secret's API path, as a Vault policy names it."""
        return f"{self.kv_mount}/data/{self.secret_path}"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "VaultConfig":
        addr = env.get("VAULT_ADDR", "").strip()
        role = env.get("VAULT_ROLE", "").strip()
        secret_path = env.get("VAULT_SECRET_PATH", "").strip()
        for name, value, what in (("VAULT_ADDR", addr, "the Vault address, e.g. https://vault.example:8200"),
                                  ("VAULT_ROLE", role, "this component's Kubernetes auth role"),
                                  ("VAULT_SECRET_PATH", secret_path,
                                   "this component's KV v2 secret, e.g. secret/data/prguard/webhook")):
            if not value:
                raise ConfigError(f"{name} must be set to {what} when Vault is used (VAULT_ADDR is set)")
        mount, path = split_secret_path(secret_path, env.get("VAULT_KV_MOUNT") or None)
        try:
            cache_seconds = float(env.get("VAULT_CACHE_SECONDS") or DEFAULT_CACHE_SECONDS)
        except ValueError:
            raise ConfigError(
                f"VAULT_CACHE_SECONDS must be a number, got {env['VAULT_CACHE_SECONDS']!r}") from None
        return cls(addr=addr.rstrip("/"), role=role, kv_mount=mount, secret_path=path,
                   auth_mount=(env.get("VAULT_PATH_AUTH") or DEFAULT_AUTH_MOUNT).strip("/"),
                   token_path=Path(env.get("VAULT_K8S_TOKEN_PATH") or SERVICE_ACCOUNT_TOKEN),
                   ca_cert=env.get("VAULT_CACERT") or None, cache_seconds=cache_seconds)


def _vault_errors(exc: hvac.exceptions.VaultError) -> str:
    # Vault's error strings describe the refusal (never a secret); keep them on one line.
    errors = exc.errors if isinstance(exc.errors, list) else [str(exc.errors or exc)]
    return "; ".join(" ".join(str(e).replace("*", " ").split()) for e in errors) or type(exc).__name__


class VaultSecrets(SecretProvider):
    """Logs in with the pod's service-account token, reads one KV v2 secret, caches it briefly.

    The token is replaced by a fresh login when its TTL has (nearly) passed, and once more when Vault
    answers 403 — a revoked or expired token and a policy that forbids the path look alike, so a second
    403 right after a fresh login is reported as a denied path.
    """

    def __init__(self, config: VaultConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self._client = hvac.Client(url=config.addr, timeout=config.timeout,
                                   verify=config.ca_cert if config.ca_cert else True)
        self._lock = threading.Lock()
        self._token_expires_at: float | None = None
        self._has_token = False
        self._data: dict[str, str] | None = None
        self._read_at = 0.0
        self.logins = 0  # how often this provider logged in; a steady climb means tokens die early

    def describe(self) -> str:
        return f"Vault {self.config.addr} secret {self.config.location} (role {self.config.role})"

    def hint(self, name: str) -> str:
        return (f"add the key with `bao kv patch -mount={self.config.kv_mount} {self.config.secret_path} "
                f"{name}=...` (or `vault kv patch`)")

    def lookup(self, name: str) -> str | None:
        value = self._secret_data().get(name)
        if value is None:
            return None
        # KV values may be JSON numbers (an App id typed without quotes); secrets are strings here.
        return value if isinstance(value, str) else str(value)

    def invalidate(self) -> None:
        """Forget the cached data so the next lookup reads Vault again (after a rotation, say)."""
        with self._lock:
            self._data = None

    def _secret_data(self) -> dict:
        with self._lock:
            now = self._clock()
            if self._data is None or now - self._read_at >= self.config.cache_seconds:
                self._data = self._read_with_relogin()
                self._read_at = self._clock()
            return self._data

    def _token_usable(self) -> bool:
        if not self._has_token:
            return False
        return self._token_expires_at is None or self._clock() < self._token_expires_at

    def _read_with_relogin(self) -> dict:
        fresh = False
        if not self._token_usable():
            self._login()
            fresh = True
        try:
            return self._read()
        except hvac.exceptions.Forbidden as exc:
            if fresh:
                raise self._denied(exc) from None
            log.info("Vault refused the token reading %s; logging in again as role %s",
                     self.config.location, self.config.role)
        self._login()
        try:
            return self._read()
        except hvac.exceptions.Forbidden as exc:
            raise self._denied(exc) from None

    def _denied(self, exc: hvac.exceptions.Forbidden) -> SecretAccessDenied:
        return SecretAccessDenied(
            self.config.location,
            f"Vault said: {_vault_errors(exc)}. The policy attached to role {self.config.role} "
            f"(auth mount {self.config.auth_mount}) must grant read on path \"{self.config.location}\"; "
            "each component reads only its own path")

    def _read(self) -> dict:
        try:
            response = self._client.secrets.kv.v2.read_secret_version(
                path=self.config.secret_path, mount_point=self.config.kv_mount, raise_on_deleted_version=True)
        except hvac.exceptions.InvalidPath:
            log.warning("Vault has no secret at %s", self.config.location)
            return {}
        except (hvac.exceptions.VaultDown, hvac.exceptions.InternalServerError,
                hvac.exceptions.BadGateway) as exc:
            raise SecretsUnavailable(f"Vault at {self.config.addr} cannot serve {self.config.location}: "
                                     f"{_vault_errors(exc)}") from None
        except requests.RequestException as exc:
            raise self._unreachable(exc) from None
        return dict(response["data"]["data"] or {})

    def _unreachable(self, exc: Exception) -> SecretsUnavailable:
        return SecretsUnavailable(f"cannot reach Vault at {self.config.addr} ({type(exc).__name__}); "
                                  "check VAULT_ADDR, VAULT_CACERT and the NetworkPolicy egress to Vault")

    def _login(self) -> None:
        path = self.config.token_path
        try:
            # Re-read on every login: the kubelet rotates projected service-account tokens.
            jwt = path.read_text().strip()
        except OSError as exc:
            raise SecretsUnavailable(
                f"cannot read the service-account token at {path} ({exc.strerror}) to log in to Vault; "
                "mount the pod's service-account token (automountServiceAccountToken) "
                "or set VAULT_K8S_TOKEN_PATH"
            ) from None
        try:
            response = self._client.auth.kubernetes.login(self.config.role, jwt,
                                                          mount_point=self.config.auth_mount)
        except hvac.exceptions.VaultError as exc:
            self._has_token = False
            raise SecretsUnavailable(
                f"Vault at {self.config.addr} refused login with role {self.config.role} on auth mount "
                f"{self.config.auth_mount}: {_vault_errors(exc)}. Check VAULT_ROLE and VAULT_PATH_AUTH and "
                "that the role is bound to this pod's service account and namespace") from None
        except requests.RequestException as exc:
            raise self._unreachable(exc) from None
        lease = float(response["auth"].get("lease_duration") or 0)
        now = self._clock()
        # lease 0 means a token that never expires; otherwise renew early, by a tenth for short TTLs.
        self._token_expires_at = now + lease - min(EXPIRY_MARGIN_SECONDS, lease / 10) if lease else None
        self._has_token = True
        self.logins += 1
        log.info("logged in to Vault %s as role %s; token valid for %ds",
                 self.config.addr, self.config.role, int(lease))
