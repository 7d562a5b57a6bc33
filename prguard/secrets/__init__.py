"""Secrets: one provider interface (Vault, a mounted directory, or the environment) for every component."""
from prguard.secrets.base import (SECRET_NAMES, MissingSecret, SecretAccessDenied, SecretProvider,
                                  SecretsError, SecretsUnavailable)
from prguard.secrets.directory import DirectorySecrets
from prguard.secrets.env import EnvSecrets
from prguard.secrets.factory import (COMPONENT_SECRETS, SETTINGS_FIELDS, ComponentSecrets, secrets_from_env,
                                     settings_for, settings_with_secrets)
from prguard.secrets.vault import VaultConfig, VaultSecrets, split_secret_path

__all__ = [
    "SECRET_NAMES", "MissingSecret", "SecretAccessDenied", "SecretProvider", "SecretsError",
    "SecretsUnavailable",
    "DirectorySecrets", "EnvSecrets", "COMPONENT_SECRETS", "SETTINGS_FIELDS", "ComponentSecrets",
    "secrets_from_env", "settings_for", "settings_with_secrets", "VaultConfig", "VaultSecrets",
    "split_secret_path",
]
