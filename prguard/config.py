"""Settings: the one object that says how PRGuard is configured, read from the environment."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Mapping

DEFAULT_GITHUB_API_URL = "https://api.github.com"
MODEL_NAME = "prguard-autoencoder"
CHAMPION_ALIAS = "champion"
CHECK_RUN_NAME = "PRGuard"
UNUSUAL_CONCLUSIONS = ("neutral", "failure", "action_required")
FINDING_SEVERITIES = ("low", "medium", "high")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def _seconds(env: Mapping[str, str], name: str, default: float, allow_zero: bool = False) -> float:
    """A duration in seconds: a number, > 0 (or >= 0 with ``allow_zero``)."""
    value = _float(env, name, default)
    if value < 0 or (value == 0 and not allow_zero) or value != value or value == float("inf"):
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigError(f"{name} must be a number of seconds {bound}, got {env.get(name)!r}")
    return value


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything configurable. Defaults are the embedded mode: files under ``data_dir``, nothing to run."""

    data_dir: Path = Path("var")
    # Store: SQLite under data_dir unless MONGO_URI is set.
    mongo_uri: str | None = dataclasses.field(default=None, repr=False)  # may embed a password
    mongo_db: str = "prguard"
    # Object storage for feature sets: a local directory or s3://bucket/prefix.
    features_uri: str | None = None
    s3_endpoint_url: str | None = None
    # MLflow: a local sqlite store under data_dir unless MLFLOW_TRACKING_URI is set.
    mlflow_tracking_uri: str | None = None
    model_name: str = MODEL_NAME
    # GitHub.
    github_api_url: str = DEFAULT_GITHUB_API_URL
    github_app_id: str | None = None
    # Secret-bearing fields are kept out of repr() so a logged Settings never shows them.
    github_app_private_key: str | None = dataclasses.field(default=None, repr=False)
    github_app_private_key_path: str | None = None
    github_webhook_secret: str | None = dataclasses.field(default=None, repr=False)
    github_token: str | None = dataclasses.field(default=None, repr=False)
    aws_access_key_id: str | None = dataclasses.field(default=None, repr=False)
    aws_secret_access_key: str | None = dataclasses.field(default=None, repr=False)
    mlflow_tracking_password: str | None = dataclasses.field(default=None, repr=False)
    # Scoring service behaviour.
    unusual_conclusion: str = "neutral"
    # A finding at or above this severity makes a PR unusual whatever its learned score.
    finding_severity: str = "high"
    job_max_attempts: int = 8
    job_lease_seconds: int = 120
    model_refresh_seconds: float = 30.0
    max_webhook_bytes: int = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB
    # A delivery whose receiver failed before finishing may be redelivered (same id) after this long;
    # a receiver answers within GitHub's 10 s, so 60 s never takes over one still at work.
    delivery_reclaim_seconds: float = 60.0
    # Worker timing: an idle worker looks at the queue every poll interval; a failed job retries after
    # backoff * 2^(attempt-1) (with jitter), at most max_backoff: 2 s ... 10 min spans ~8 min of outage.
    worker_poll_seconds: float = 1.0
    job_backoff_seconds: float = 2.0
    job_max_backoff_seconds: float = 600.0
    # GitHub API: read timeout of one request (connecting gets at most 10 s of it), and the pause
    # between content-creating requests GitHub's best practices ask for (1 s) to avoid secondary limits.
    github_timeout_seconds: float = 30.0
    github_write_interval_seconds: float = 1.0
    # Onboarding: below this many PRs of history a check run says PRGuard is still learning the repository.
    min_history_prs: int = 50
    log_format: str = "text"
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from ``env`` (default: the process environment)."""
        env = os.environ if env is None else env
        conclusion = env.get("PRGUARD_UNUSUAL_CONCLUSION", "neutral") or "neutral"
        if conclusion not in UNUSUAL_CONCLUSIONS:
            raise ConfigError(f"PRGUARD_UNUSUAL_CONCLUSION must be one of {', '.join(UNUSUAL_CONCLUSIONS)}, "
                              f"got {conclusion!r}")
        finding_severity = (env.get("PRGUARD_FINDING_SEVERITY") or "high").strip().lower()
        if finding_severity not in FINDING_SEVERITIES:
            raise ConfigError(f"PRGUARD_FINDING_SEVERITY must be one of {', '.join(FINDING_SEVERITIES)}, "
                              f"got {env.get('PRGUARD_FINDING_SEVERITY')!r}")
        log_format = env.get("PRGUARD_LOG_FORMAT", "text") or "text"
        if log_format not in ("text", "json"):
            raise ConfigError(f"PRGUARD_LOG_FORMAT must be 'text' or 'json', got {log_format!r}")
        backoff = _seconds(env, "PRGUARD_JOB_BACKOFF_SECONDS", 2.0, allow_zero=True)
        max_backoff = _seconds(env, "PRGUARD_JOB_MAX_BACKOFF_SECONDS", 600.0, allow_zero=True)
        if max_backoff < backoff:
            raise ConfigError(f"PRGUARD_JOB_MAX_BACKOFF_SECONDS ({max_backoff:g}) must not be below "
                              f"PRGUARD_JOB_BACKOFF_SECONDS ({backoff:g}); raise the first or lower the "
                              "second")
        return cls(
            data_dir=Path(env.get("PRGUARD_DATA_DIR") or "var"),
            mongo_uri=env.get("MONGO_URI") or None,
            mongo_db=env.get("PRGUARD_MONGO_DB") or "prguard",
            features_uri=env.get("PRGUARD_FEATURES_URI") or None,
            s3_endpoint_url=env.get("S3_ENDPOINT_URL") or None,
            mlflow_tracking_uri=env.get("MLFLOW_TRACKING_URI") or None,
            model_name=env.get("PRGUARD_MODEL_NAME") or MODEL_NAME,
            github_api_url=(env.get("GITHUB_API_URL") or DEFAULT_GITHUB_API_URL).rstrip("/"),
            github_app_id=env.get("GITHUB_APP_ID") or None,
            github_app_private_key=env.get("GITHUB_APP_PRIVATE_KEY") or None,
            github_app_private_key_path=env.get("GITHUB_APP_PRIVATE_KEY_PATH") or None,
            github_webhook_secret=env.get("GITHUB_WEBHOOK_SECRET") or None,
            github_token=env.get("GITHUB_TOKEN") or None,
            aws_access_key_id=env.get("AWS_ACCESS_KEY_ID") or None,
            aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
            mlflow_tracking_password=env.get("MLFLOW_TRACKING_PASSWORD") or None,
            unusual_conclusion=conclusion,
            finding_severity=finding_severity,
            job_max_attempts=_int(env, "PRGUARD_JOB_MAX_ATTEMPTS", 8),
            job_lease_seconds=_int(env, "PRGUARD_JOB_LEASE_SECONDS", 120),
            model_refresh_seconds=_float(env, "PRGUARD_MODEL_REFRESH_SECONDS", 30.0),
            max_webhook_bytes=_int(env, "PRGUARD_MAX_WEBHOOK_BYTES", 25 * 1024 * 1024),
            delivery_reclaim_seconds=_seconds(env, "PRGUARD_DELIVERY_RECLAIM_SECONDS", 60.0),
            worker_poll_seconds=_seconds(env, "PRGUARD_WORKER_POLL_SECONDS", 1.0),
            job_backoff_seconds=backoff,
            job_max_backoff_seconds=max_backoff,
            github_timeout_seconds=_seconds(env, "PRGUARD_GITHUB_TIMEOUT_SECONDS", 30.0),
            github_write_interval_seconds=_seconds(env, "PRGUARD_GITHUB_WRITE_INTERVAL_SECONDS", 1.0,
                                                   allow_zero=True),
            min_history_prs=_int(env, "PRGUARD_MIN_HISTORY_PRS", 50),
            log_format=log_format,
            log_level=(env.get("PRGUARD_LOG_LEVEL") or "INFO").upper(),
        )

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)

    # Derived locations of the embedded defaults.
    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "prguard.sqlite3"

    @property
    def feature_store(self) -> str:
        return self.features_uri or str(self.data_dir / "features")

    @property
    def tracking_uri(self) -> str:
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{(self.data_dir / 'mlflow.db').resolve()}"

    @property
    def mlflow_artifact_root(self) -> Path:
        return (self.data_dir / "mlartifacts").resolve()

    @property
    def has_app_credentials(self) -> bool:
        return bool(self.github_app_id and (self.github_app_private_key or self.github_app_private_key_path))

    def app_private_key(self) -> str:
        """The App's PEM private key, from the variable or the file it names."""
        if self.github_app_private_key:
            return self.github_app_private_key
        if self.github_app_private_key_path:
            path = Path(self.github_app_private_key_path)
            try:
                return path.read_text()
            except OSError as exc:
                raise ConfigError(
                    f"GITHUB_APP_PRIVATE_KEY_PATH={path} cannot be read ({exc.strerror}); "
                    "point it at the .pem file downloaded from the App's settings page"
                ) from None
        raise ConfigError("set GITHUB_APP_PRIVATE_KEY (PEM text) or GITHUB_APP_PRIVATE_KEY_PATH")
