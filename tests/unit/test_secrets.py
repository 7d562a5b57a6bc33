"""Secret providers without a server: env, mounted directory, the factory, and what errors reveal."""
from __future__ import annotations

import pytest

from prguard.config import ConfigError, Settings
from prguard.secrets import (COMPONENT_SECRETS, SECRET_NAMES, DirectorySecrets, EnvSecrets, MissingSecret,
                             SecretProvider, SecretsUnavailable, VaultConfig, VaultSecrets, secrets_from_env,
                             settings_for, settings_with_secrets, split_secret_path)
from tests.support.openbao import free_port

HOOK_SECRET = "whsec-value-9c1f"
MONGO = "mongodb://user:pa55@db:27017/prguard"


class DictSecrets(SecretProvider):
    """A hand-written fake provider: a dict, for testing the port's own behaviour."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.lookups: list[str] = []

    def lookup(self, name):
        self.lookups.append(name)
        return self.values.get(name)

    def describe(self):
        return "the test dict"


# --- the port -------------------------------------------------------------------------------------

def test_get_returns_the_value_and_missing_names_secret_and_place():
    provider = DictSecrets({"MONGO_URI": MONGO})
    assert provider.get("MONGO_URI") == MONGO
    with pytest.raises(MissingSecret, match="secret GITHUB_WEBHOOK_SECRET is missing: looked in the test dict"):
        provider.get("GITHUB_WEBHOOK_SECRET")


def test_empty_value_counts_as_missing():
    provider = DictSecrets({"GITHUB_WEBHOOK_SECRET": ""})
    with pytest.raises(MissingSecret):
        provider.get("GITHUB_WEBHOOK_SECRET")
    assert provider.find("GITHUB_WEBHOOK_SECRET") is None


def test_require_names_every_missing_secret_and_no_present_value():
    provider = DictSecrets({"MONGO_URI": MONGO})
    with pytest.raises(MissingSecret) as missing:
        provider.require(["MONGO_URI", "GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY"])
    assert missing.value.names == ("GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY")
    assert "secrets GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY are missing" in str(missing.value)
    assert MONGO not in str(missing.value)
    provider.require(["MONGO_URI"])  # nothing missing: no error


def test_missing_secret_is_a_config_error_so_startup_reports_it_like_a_bad_setting():
    assert issubclass(MissingSecret, ConfigError)


# --- environment ----------------------------------------------------------------------------------

def test_env_secrets_read_variables_and_environment_wins_over_dotenv(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"GITHUB_WEBHOOK_SECRET=from-dotenv\nMONGO_URI={MONGO}\n")
    provider = EnvSecrets({"GITHUB_WEBHOOK_SECRET": HOOK_SECRET}, dotenv_path=dotenv)
    assert provider.get("GITHUB_WEBHOOK_SECRET") == HOOK_SECRET
    assert provider.get("MONGO_URI") == MONGO
    with pytest.raises(MissingSecret) as missing:
        provider.get("GITHUB_APP_ID")
    assert str(dotenv) in str(missing.value) and "GITHUB_APP_ID" in str(missing.value)
    assert HOOK_SECRET not in str(missing.value) and MONGO not in str(missing.value)


def test_env_secrets_without_dotenv_file(tmp_path):
    provider = EnvSecrets({}, dotenv_path=tmp_path / "absent.env")
    with pytest.raises(MissingSecret, match="looked in environment variables; export MONGO_URI=..."):
        provider.get("MONGO_URI")


# --- mounted directory ----------------------------------------------------------------------------

def test_directory_reads_one_file_per_secret_without_trailing_newline(tmp_path):
    (tmp_path / "GITHUB_WEBHOOK_SECRET").write_text(HOOK_SECRET + "\n")
    pem = "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----"
    (tmp_path / "GITHUB_APP_PRIVATE_KEY").write_text(pem + "\n")
    provider = DirectorySecrets(tmp_path)
    assert provider.get("GITHUB_WEBHOOK_SECRET") == HOOK_SECRET
    assert provider.get("GITHUB_APP_PRIVATE_KEY") == pem


def test_directory_picks_up_a_rotated_file(tmp_path):
    secret = tmp_path / "GITHUB_WEBHOOK_SECRET"
    secret.write_text("old")
    provider = DirectorySecrets(tmp_path)
    assert provider.get("GITHUB_WEBHOOK_SECRET") == "old"
    secret.write_text("new")
    assert provider.get("GITHUB_WEBHOOK_SECRET") == "new"


def test_directory_missing_file_and_missing_directory_say_what_to_do(tmp_path):
    with pytest.raises(MissingSecret, match=f"create the file {tmp_path / 'MONGO_URI'}"):
        DirectorySecrets(tmp_path).get("MONGO_URI")
    absent = tmp_path / "not-mounted"
    with pytest.raises(MissingSecret, match=f"{absent} does not exist: mount the volume there"):
        DirectorySecrets(absent).get("MONGO_URI")


def test_directory_refuses_names_that_leave_it(tmp_path):
    (tmp_path / "outside").write_text("x")
    provider = DirectorySecrets(tmp_path / "secrets")
    for name in ("../outside", "..", "a/b"):
        with pytest.raises(ValueError):
            provider.get(name)


def test_a_directory_in_place_of_a_secret_file_reads_as_missing(tmp_path):
    (tmp_path / "MONGO_URI").mkdir()  # a directory where a file should be reads as absent
    with pytest.raises(MissingSecret):
        DirectorySecrets(tmp_path).get("MONGO_URI")


# --- Vault configuration (no server needed) --------------------------------------------------------

@pytest.mark.parametrize("raw, kv_mount, expected", [
    ("secret/data/prguard/webhook", None, ("secret", "prguard/webhook")),
    ("secret/prguard/webhook", None, ("secret", "prguard/webhook")),
    ("/team/kv/data/prguard/worker/", None, ("team/kv", "prguard/worker")),
    ("prguard/webhook", "secret", ("secret", "prguard/webhook")),
    ("team/kv/data/prguard/fetch", "team/kv", ("team/kv", "prguard/fetch")),
    ("webhook", None, ("secret", "webhook")),
])
def test_split_secret_path_accepts_api_and_mount_forms(raw, kv_mount, expected):
    assert split_secret_path(raw, kv_mount) == expected


def test_vault_config_from_env_with_defaults(tmp_path):
    config = VaultConfig.from_env({"VAULT_ADDR": "https://vault.example:8200/", "VAULT_ROLE": "prguard-worker",
                                   "VAULT_SECRET_PATH": "secret/data/prguard/worker"})
    assert (config.addr, config.auth_mount, config.kv_mount, config.secret_path) == (
        "https://vault.example:8200", "kubernetes", "secret", "prguard/worker")
    assert str(config.token_path) == "/var/run/secrets/kubernetes.io/serviceaccount/token"
    assert config.location == "secret/data/prguard/worker"


@pytest.mark.parametrize("missing", ["VAULT_ROLE", "VAULT_SECRET_PATH"])
def test_vault_config_names_the_variable_it_lacks(missing):
    env = {"VAULT_ADDR": "http://127.0.0.1:8200", "VAULT_ROLE": "r", "VAULT_SECRET_PATH": "secret/data/x"}
    del env[missing]
    with pytest.raises(ConfigError, match=f"{missing} must be set"):
        VaultConfig.from_env(env)


def test_unreachable_vault_is_reported_with_its_address(tmp_path):
    token = tmp_path / "token"
    token.write_text("a.b.c")
    addr = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    provider = VaultSecrets(VaultConfig(addr=addr, role="prguard-webhook", kv_mount="secret",
                                        secret_path="prguard/webhook", token_path=token, timeout=2))
    with pytest.raises(SecretsUnavailable, match=f"cannot reach Vault at {addr}"):
        provider.get("GITHUB_WEBHOOK_SECRET")


# --- factory and Settings ---------------------------------------------------------------------------

def test_factory_prefers_vault_then_directory_then_env(tmp_path):
    vault_env = {"VAULT_ADDR": "http://127.0.0.1:8200", "VAULT_ROLE": "prguard-fetch",
                 "VAULT_SECRET_PATH": "secret/data/prguard/fetch", "PRGUARD_SECRETS_DIR": str(tmp_path)}
    provider = secrets_from_env(vault_env)
    assert isinstance(provider, VaultSecrets) and provider.config.role == "prguard-fetch"
    assert isinstance(secrets_from_env({"PRGUARD_SECRETS_DIR": str(tmp_path)}), DirectorySecrets)
    assert isinstance(secrets_from_env({}, dotenv_path=None), EnvSecrets)


def test_settings_with_secrets_fills_fields_from_the_provider(tmp_path):
    for name, value in {"GITHUB_WEBHOOK_SECRET": HOOK_SECRET, "MONGO_URI": MONGO, "GITHUB_APP_ID": "99",
                        "GITHUB_APP_PRIVATE_KEY": "pem", "GITHUB_TOKEN": "ghp_x"}.items():
        (tmp_path / name).write_text(value)
    base = Settings(mongo_uri="mongodb://from-config", github_api_url="https://ghe.example/api/v3")
    settings = settings_with_secrets(base, DirectorySecrets(tmp_path), required=["GITHUB_WEBHOOK_SECRET"])
    assert (settings.github_webhook_secret, settings.mongo_uri, settings.github_app_id,
            settings.github_app_private_key, settings.github_token) == (HOOK_SECRET, MONGO, "99", "pem", "ghp_x")
    assert settings.github_api_url == "https://ghe.example/api/v3"  # non-secret settings untouched


def test_settings_keep_their_value_when_the_provider_lacks_the_secret(tmp_path):
    settings = settings_with_secrets(Settings(mongo_uri="mongodb://configured"), DirectorySecrets(tmp_path))
    assert settings.mongo_uri == "mongodb://configured"


def test_settings_with_secrets_stops_on_a_missing_required_secret(tmp_path):
    (tmp_path / "MONGO_URI").write_text(MONGO)
    with pytest.raises(MissingSecret) as missing:
        settings_with_secrets(Settings(), DirectorySecrets(tmp_path), required=["MONGO_URI", "GITHUB_WEBHOOK_SECRET"])
    assert "GITHUB_WEBHOOK_SECRET" in str(missing.value) and str(tmp_path) in str(missing.value)
    assert MONGO not in str(missing.value)


def test_settings_for_a_deployed_component_requires_its_secrets(tmp_path):
    (tmp_path / "GITHUB_WEBHOOK_SECRET").write_text(HOOK_SECRET)
    env = {"PRGUARD_SECRETS_DIR": str(tmp_path), "PRGUARD_DATA_DIR": str(tmp_path / "var")}
    with pytest.raises(MissingSecret, match="secret MONGO_URI is missing"):
        settings_for("webhook", env)
    (tmp_path / "MONGO_URI").write_text(MONGO)
    settings = settings_for("webhook", env)
    assert (settings.github_webhook_secret, settings.mongo_uri) == (HOOK_SECRET, MONGO)
    assert str(settings.data_dir) == str(tmp_path / "var")


def test_settings_for_local_use_requires_nothing(tmp_path):
    settings = settings_for("worker", {"PRGUARD_DATA_DIR": str(tmp_path)}, dotenv_path=None)
    assert settings.mongo_uri is None and settings.github_app_id is None  # embedded mode


def test_every_component_lists_known_secrets_at_its_own_path():
    paths = [component.vault_path for component in COMPONENT_SECRETS.values()]
    assert len(set(paths)) == len(paths)
    for component in COMPONENT_SECRETS.values():
        assert set(component.required) | set(component.optional) <= set(SECRET_NAMES)


def test_settings_for_exports_credentials_that_libraries_read_from_the_environment(tmp_path):
    """boto3, Spark's workers and MLflow only look in the environment: secrets from a directory land there."""
    from prguard.secrets.factory import settings_for

    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    for name, value in {"MONGO_URI": "mongodb://db", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
                        "AWS_SECRET_ACCESS_KEY": "s3cr3t"}.items():
        (secrets_dir / name).write_text(value + "\n")
    env = {"PRGUARD_SECRETS_DIR": str(secrets_dir), "AWS_ACCESS_KEY_ID": "ALREADY-SET"}
    settings = settings_for("preprocess", env, dotenv_path=None)
    assert settings.mongo_uri == "mongodb://db"
    assert env["AWS_SECRET_ACCESS_KEY"] == "s3cr3t"
    assert env["AWS_ACCESS_KEY_ID"] == "ALREADY-SET"  # an operator's explicit variable is never overridden
    assert "MLFLOW_TRACKING_PASSWORD" not in env
