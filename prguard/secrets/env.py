"""EnvSecrets: secrets from environment variables and an optional .env file (the embedded default)."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from dotenv import dotenv_values

from prguard.secrets.base import SecretProvider


class EnvSecrets(SecretProvider):
    """Reads ``NAME`` from ``env``; a ``.env`` file fills in names the environment does not set."""

    def __init__(self, env: Mapping[str, str], dotenv_path: str | Path | None = None) -> None:
        self._env = dict(env)
        self._dotenv_path = Path(dotenv_path) if dotenv_path else None
        self._dotenv: dict[str, str] = {}
        if self._dotenv_path is not None and self._dotenv_path.is_file():
            self._dotenv = {k: v for k, v in dotenv_values(self._dotenv_path).items() if v is not None}

    def lookup(self, name: str) -> str | None:
        # The environment wins over .env, as python-dotenv does by default.
        return self._env.get(name) or self._dotenv.get(name) or None

    def describe(self) -> str:
        if self._dotenv:
            return f"environment variables and {self._dotenv_path}"
        return "environment variables"

    def hint(self, name: str) -> str:
        return f"export {name}=... or add it to .env"
