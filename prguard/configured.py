"""``@configured(component)``: a CLI command's settings, built for its component, and one way to fail."""
from __future__ import annotations

import functools
import os
from typing import Callable

import click

from prguard.config import ConfigError, Settings
from prguard.secrets import settings_for

# Commands that need no secrets (demo, replay) read plain settings: no Vault login, no .env secrets.
NO_SECRETS = None


class ConfigurationError(click.ClickException):
    """Bad configuration, from wherever it surfaced: ``Error: configuration: ...`` and exit code 2."""

    exit_code = 2

    def format_message(self) -> str:
        # One line whatever the source (a library's message may wrap): logs and Job events show it whole.
        return "configuration: " + " ".join(self.message.split())


def configured(component: str | None) -> Callable:
    """Give the command ``settings`` as its first argument: environment settings plus the secrets of
    ``component`` (a key of prguard.secrets.COMPONENT_SECRETS: webhook, worker, fetch, preprocess, train,
    or the operators' store and score), or the environment alone with ``NO_SECRETS``. A ConfigError
    raised while building them or while the command runs (a bad MONGO_URI found on first use, a secret
    Vault refuses, an unusable App key) ends the command the same way."""

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def run(*args, **kwargs):
            try:
                if component is NO_SECRETS:
                    settings = Settings.from_env(os.environ)
                else:
                    settings = settings_for(component, os.environ)
                return command(settings, *args, **kwargs)
            except ConfigError as exc:
                raise ConfigurationError(str(exc)) from None

        return run

    return decorate
