"""The secret-provider port every component reads its secrets through, and the errors it raises."""
from __future__ import annotations

import abc
from typing import Iterable

from prguard.config import ConfigError

# The secrets PRGuard knows about; a component needs only some of them (see COMPONENT_SECRETS).
GITHUB_WEBHOOK_SECRET = "GITHUB_WEBHOOK_SECRET"
GITHUB_APP_PRIVATE_KEY = "GITHUB_APP_PRIVATE_KEY"
GITHUB_APP_ID = "GITHUB_APP_ID"
GITHUB_TOKEN = "GITHUB_TOKEN"
MONGO_URI = "MONGO_URI"
AWS_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID"
AWS_SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY"
MLFLOW_TRACKING_PASSWORD = "MLFLOW_TRACKING_PASSWORD"
SECRET_NAMES = (GITHUB_WEBHOOK_SECRET, GITHUB_APP_PRIVATE_KEY, GITHUB_APP_ID, GITHUB_TOKEN, MONGO_URI,
                AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, MLFLOW_TRACKING_PASSWORD)


class SecretsError(ConfigError):
    """Secrets cannot be had; the message names the secret or place and what to do, never a value."""


class MissingSecret(SecretsError):
    """One or more secrets are not where the provider looked."""

    def __init__(self, names: str | Iterable[str], where: str, hint: str = "") -> None:
        self.names = (names,) if isinstance(names, str) else tuple(names)
        self.name = self.names[0]
        self.where = where
        if len(self.names) == 1:
            message = f"secret {self.name} is missing: looked in {where}"
        else:
            message = f"secrets {', '.join(self.names)} are missing: looked in {where}"
        super().__init__(f"{message}; {hint}" if hint else message)


class SecretAccessDenied(SecretsError):
    """The secret store refused to read a path, even after logging in again."""

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        super().__init__(f"permission denied reading {path}: {detail}")


class SecretsUnavailable(SecretsError):
    """The secret store cannot be reached or refused to log in."""


class SecretProvider(abc.ABC):
    """Where a component's secrets come from: Vault, a mounted directory, or the environment."""

    @abc.abstractmethod
    def lookup(self, name: str) -> str | None:
        """The secret's value, or None when this provider does not hold it."""

    @abc.abstractmethod
    def describe(self) -> str:
        """Where this provider looks (a path or address, never a value), for error messages."""

    def hint(self, name: str) -> str:
        """What an operator should do to provide ``name`` here."""
        return ""

    def get(self, name: str) -> str:
        """The secret's value; raises MissingSecret naming the secret and where it looked."""
        value = self.lookup(name)
        if not value:  # an empty value is as useless as none (an empty HMAC key verifies nothing)
            raise MissingSecret(name, self.describe(), self.hint(name))
        return value

    def find(self, name: str) -> str | None:
        """The secret's value, or None when it is absent or empty: for optional secrets."""
        return self.lookup(name) or None

    def require(self, names: Iterable[str]) -> None:
        """Start-up check: raise one MissingSecret naming every secret of ``names`` that is absent."""
        missing = [name for name in names if not self.lookup(name)]
        if missing:
            raise MissingSecret(missing, self.describe(), self.hint(missing[0]))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"
