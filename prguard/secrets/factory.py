"""Choosing a component's secret provider and filling Settings from it."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Iterable, Mapping, MutableMapping, NamedTuple

from prguard.config import Settings
from prguard.secrets import base
from prguard.secrets.base import SecretProvider
from prguard.secrets.directory import DirectorySecrets
from prguard.secrets.env import EnvSecrets
from prguard.secrets.vault import VaultConfig, VaultSecrets

# Secret name -> the Settings field it fills. Names without a field here (AWS keys, MLflow password)
# are read with provider.get() by the code that needs them; a field added to Settings later under one
# of these names is filled automatically.
SETTINGS_FIELDS = {
    base.GITHUB_WEBHOOK_SECRET: "github_webhook_secret",
    base.GITHUB_APP_PRIVATE_KEY: "github_app_private_key",
    base.GITHUB_APP_ID: "github_app_id",
    base.MONGO_URI: "mongo_uri",
    base.GITHUB_TOKEN: "github_token",
    base.AWS_ACCESS_KEY_ID: "aws_access_key_id",
    base.AWS_SECRET_ACCESS_KEY: "aws_secret_access_key",
    base.MLFLOW_TRACKING_PASSWORD: "mlflow_tracking_password",
}


class ComponentSecrets(NamedTuple):
    vault_path: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


# What each deployed component keeps at its own Vault path (one policy and one role per component).
COMPONENT_SECRETS = {
    "webhook": ComponentSecrets("secret/data/prguard/webhook",
                                (base.GITHUB_WEBHOOK_SECRET, base.MONGO_URI)),
    "worker": ComponentSecrets("secret/data/prguard/worker",
                               (base.GITHUB_APP_ID, base.GITHUB_APP_PRIVATE_KEY, base.MONGO_URI,
                                base.AWS_ACCESS_KEY_ID, base.AWS_SECRET_ACCESS_KEY),
                               (base.MLFLOW_TRACKING_PASSWORD,)),
    "fetch": ComponentSecrets("secret/data/prguard/fetch",
                              (base.GITHUB_APP_ID, base.GITHUB_APP_PRIVATE_KEY, base.MONGO_URI),
                              (base.GITHUB_TOKEN,)),
    "preprocess": ComponentSecrets("secret/data/prguard/preprocess",
                                   (base.MONGO_URI, base.AWS_ACCESS_KEY_ID, base.AWS_SECRET_ACCESS_KEY)),
    "train": ComponentSecrets("secret/data/prguard/train",
                              (base.AWS_ACCESS_KEY_ID, base.AWS_SECRET_ACCESS_KEY),
                              (base.MLFLOW_TRACKING_PASSWORD, base.MONGO_URI)),
    # The pre-promotion Locust Job signs its deliveries and needs nothing else.
    "loadtest": ComponentSecrets("secret/data/prguard/loadtest", (base.GITHUB_WEBHOOK_SECRET,)),
    # Operators' commands, run by hand (in a pod whose path holds these keys, or with a path of their
    # own): `import`, `checks`, `status` and `feedback` only read or write the store; `score` also loads
    # the champion, whose bundle lies in the MLflow artifact store (S3), as the worker does.
    "store": ComponentSecrets("secret/data/prguard/store", (base.MONGO_URI,)),
    "score": ComponentSecrets("secret/data/prguard/score",
                              (base.MONGO_URI, base.AWS_ACCESS_KEY_ID, base.AWS_SECRET_ACCESS_KEY),
                              (base.MLFLOW_TRACKING_PASSWORD,)),
}


def secrets_from_env(env: Mapping[str, str], dotenv_path: str | Path | None = ".env") -> SecretProvider:
    """Vault when VAULT_ADDR is set, else a mounted directory when PRGUARD_SECRETS_DIR is set, else env/.env.

    Exactly one source is used: a secret missing from Vault must stop start-up, not quietly come
    from a variable someone left in the pod spec.
    """
    if env.get("VAULT_ADDR"):
        return VaultSecrets(VaultConfig.from_env(env))
    if env.get("PRGUARD_SECRETS_DIR"):
        return DirectorySecrets(env["PRGUARD_SECRETS_DIR"])
    return EnvSecrets(env, dotenv_path=dotenv_path)


def settings_with_secrets(settings: Settings, provider: SecretProvider,
                          required: Iterable[str] = ()) -> Settings:
    """``settings`` with its secret fields taken from ``provider`` (where it has them).

    Raises MissingSecret naming every secret of ``required`` the provider lacks — the start-up check.
    """
    provider.require(tuple(required))
    fields = {f.name for f in dataclasses.fields(settings)}
    changes = {}
    for name, field in SETTINGS_FIELDS.items():
        if field in fields:
            value = provider.find(name)
            if value is not None:
                changes[field] = value
    return settings.replace(**changes)


def settings_for(component: str, env: Mapping[str, str], dotenv_path: str | Path | None = ".env") -> Settings:
    """An entrypoint's whole configuration: Settings.from_env plus the component's secrets.

    With plain environment variables (local use) nothing is required, since every piece has an embedded
    default; with Vault or a mounted directory (a deployment) the component's required secrets must exist.
    """
    if component not in COMPONENT_SECRETS:
        raise ValueError(f"unknown component {component!r}; one of {', '.join(COMPONENT_SECRETS)}")
    provider = secrets_from_env(env, dotenv_path=dotenv_path)
    required = () if isinstance(provider, EnvSecrets) else COMPONENT_SECRETS[component].required
    settings = settings_with_secrets(Settings.from_env(env), provider, required)
    if isinstance(env, MutableMapping):
        export_library_credentials(settings, env)
    return settings


# Libraries that read their credentials only from the environment: boto3 (also inside Spark's Python
# workers, which inherit the environment the JVM started with) and MLflow's HTTP client.
LIBRARY_CREDENTIALS = {
    base.AWS_ACCESS_KEY_ID: "aws_access_key_id",
    base.AWS_SECRET_ACCESS_KEY: "aws_secret_access_key",
    base.MLFLOW_TRACKING_PASSWORD: "mlflow_tracking_password",
}


def export_library_credentials(settings: Settings, env: MutableMapping[str, str]) -> None:
    """Put credentials that came from Vault or a directory where those libraries look (never overriding)."""
    for name, field in LIBRARY_CREDENTIALS.items():
        value = getattr(settings, field)
        if value and not env.get(name):
            env[name] = value
