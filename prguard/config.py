"""Settings: the one object that says how PRGuard is configured, read from the environment."""
from __future__ import annotations

import dataclasses
import logging
import os
import urllib.parse
from pathlib import Path
from typing import Any, Callable, Mapping

from prguard import limits

DEFAULT_GITHUB_API_URL = "https://api.github.com"
MODEL_NAME = "prguard-autoencoder"
CHAMPION_ALIAS = "champion"
CHECK_RUN_NAME = "PRGuard"
# Scoring a PR takes well under a second once its files are in; fetching a 3,000-file PR or its workflow
# contents can take longer, and then the PR's page should say PRGuard is at work (app/publisher.py).
CHECK_RUN_IN_PROGRESS_AFTER_SECONDS = 5.0
UNUSUAL_CONCLUSIONS = ("neutral", "failure", "action_required")
FINDING_SEVERITIES = ("low", "medium", "high")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


# Each setting is declared once, below: its field, default, environment variable and parser. Why not
# pydantic-settings: the webhook image does not otherwise need pydantic, secrets are layered on
# afterwards from Vault or a mounted directory (prguard.secrets), which pydantic-settings would need as
# custom sources, and these parsers already name the variable and the fix in every error.
Parser = Callable[[str, str], Any]


def _text(name: str, raw: str) -> str:
    return raw


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _hourly_cap(name: str, raw: str) -> int:
    value = _int(name, raw)
    if value < 2:
        raise ConfigError(f"{name} must be a number of requests per hour >= 2, got {raw!r}")
    return value


def _positive_int(name: str, raw: str) -> int:
    value = _int(name, raw)
    if value < 1:
        raise ConfigError(f"{name} must be an integer >= 1, got {raw!r}")
    return value


def _float(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def _seconds(allow_zero: bool = False) -> Parser:
    """A duration in seconds: a finite number, > 0 (or >= 0 with ``allow_zero``)."""
    def parse(name: str, raw: str) -> float:
        value = _float(name, raw)
        if value < 0 or (value == 0 and not allow_zero) or value != value or value == float("inf"):
            raise ConfigError(f"{name} must be a number of seconds {'>= 0' if allow_zero else '> 0'}, "
                              f"got {raw!r}")
        return value
    return parse


def _choice(*choices: str) -> Parser:
    def parse(name: str, raw: str) -> str:
        if raw not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
        return raw
    return parse


def _path(name: str, raw: str) -> Path:
    return Path(raw)


def _url(name: str, raw: str) -> str:
    # Caught here, a URL without its scheme names its variable; caught by requests or boto3 mid-job, it
    # would be a traceback about a path like 'api.example.com/graphql'.
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(f"{name} must be an http:// or https:// URL, got {raw!r}")
    return raw.rstrip("/")


# The tracking stores MLflow serves (a URI without a scheme is a local path); "postgresql+psycopg2" counts
# as postgresql.
TRACKING_SCHEMES = ("", "file", "sqlite", "postgresql", "mysql", "mssql", "http", "https", "databricks")


def _tracking_uri(name: str, raw: str) -> str:
    # Caught here rather than as MLflow's traceback mid-job. Only the scheme is quoted: the URI may carry
    # a password.
    scheme = urllib.parse.urlsplit(raw).scheme.split("+")[0].lower()
    if scheme not in TRACKING_SCHEMES:
        raise ConfigError(f"{name} has the scheme {scheme!r}, which is not an MLflow tracking store; use "
                          "http(s)://HOST (an MLflow server), sqlite:///PATH, postgresql://... or a path")
    return raw


def _log_level(name: str, raw: str) -> str:
    level = raw.strip().upper()
    if level not in logging.getLevelNamesMapping():
        raise ConfigError(f"{name} must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got {raw!r}")
    return level


def _lower_choice(*choices: str) -> Parser:
    exact = _choice(*choices)
    return lambda name, raw: exact(name, raw.strip().lower())


def setting(default: Any, env: str, parse: Parser = _text, secret: bool = False) -> Any:
    """A Settings field read from ``env`` (an empty value means the default); ``secret`` keeps it out of
    repr() so a logged Settings never shows it."""
    return dataclasses.field(default=default, repr=not secret, metadata={"env": env, "parse": parse})


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything configurable. Defaults are the embedded mode: files under ``data_dir``, nothing to run."""

    data_dir: Path = setting(Path("var"), "PRGUARD_DATA_DIR", _path)
    # Store: SQLite under data_dir unless MONGO_URI is set.
    mongo_uri: str | None = setting(None, "MONGO_URI", secret=True)  # may embed a password
    mongo_db: str = setting("prguard", "PRGUARD_MONGO_DB")
    # Object storage for feature sets: a local directory or s3://bucket/prefix.
    features_uri: str | None = setting(None, "PRGUARD_FEATURES_URI")
    s3_endpoint_url: str | None = setting(None, "S3_ENDPOINT_URL", _url)
    # MLflow: a local sqlite store under data_dir unless MLFLOW_TRACKING_URI is set.
    mlflow_tracking_uri: str | None = setting(None, "MLFLOW_TRACKING_URI", _tracking_uri)
    model_name: str = setting(MODEL_NAME, "PRGUARD_MODEL_NAME")
    # GitHub.
    github_api_url: str = setting(DEFAULT_GITHUB_API_URL, "GITHUB_API_URL", _url)
    github_app_id: str | None = setting(None, "GITHUB_APP_ID")
    github_app_private_key: str | None = setting(None, "GITHUB_APP_PRIVATE_KEY", secret=True)
    github_app_private_key_path: str | None = setting(None, "GITHUB_APP_PRIVATE_KEY_PATH")
    github_webhook_secret: str | None = setting(None, "GITHUB_WEBHOOK_SECRET", secret=True)
    github_token: str | None = setting(None, "GITHUB_TOKEN", secret=True)
    aws_access_key_id: str | None = setting(None, "AWS_ACCESS_KEY_ID", secret=True)
    aws_secret_access_key: str | None = setting(None, "AWS_SECRET_ACCESS_KEY", secret=True)
    mlflow_tracking_password: str | None = setting(None, "MLFLOW_TRACKING_PASSWORD", secret=True)
    # Scoring service behaviour.
    unusual_conclusion: str = setting("neutral", "PRGUARD_UNUSUAL_CONCLUSION", _choice(*UNUSUAL_CONCLUSIONS))
    # A finding at or above this severity makes a PR unusual whatever its learned score.
    finding_severity: str = setting("high", "PRGUARD_FINDING_SEVERITY", _lower_choice(*FINDING_SEVERITIES))
    job_max_attempts: int = setting(8, "PRGUARD_JOB_MAX_ATTEMPTS", _int)
    job_lease_seconds: int = setting(120, "PRGUARD_JOB_LEASE_SECONDS", _int)
    model_refresh_seconds: float = setting(30.0, "PRGUARD_MODEL_REFRESH_SECONDS", _float)
    max_webhook_bytes: int = setting(limits.WEBHOOK_MAX_BYTES, "PRGUARD_MAX_WEBHOOK_BYTES", _int)
    # A delivery whose receiver failed before finishing may be redelivered (same id) after this long;
    # a receiver answers within GitHub's 10 s, so 60 s never takes over one still at work.
    delivery_reclaim_seconds: float = setting(60.0, "PRGUARD_DELIVERY_RECLAIM_SECONDS", _seconds())
    # The webhook service closes a connection whose request is not received and answered within this
    # (app/gunicorn_worker.py); above GitHub's 10 s, so nothing GitHub still waits for is cut.
    request_deadline_seconds: float = setting(15.0, "PRGUARD_REQUEST_DEADLINE_SECONDS", _seconds())
    # Worker timing: an idle worker looks at the queue every poll interval; a failed job retries after
    # backoff * 2^(attempt-1) (with jitter), at most max_backoff: 2 s ... 10 min spans ~8 min of outage.
    worker_poll_seconds: float = setting(1.0, "PRGUARD_WORKER_POLL_SECONDS", _seconds())
    job_backoff_seconds: float = setting(2.0, "PRGUARD_JOB_BACKOFF_SECONDS", _seconds(allow_zero=True))
    job_max_backoff_seconds: float = setting(600.0, "PRGUARD_JOB_MAX_BACKOFF_SECONDS",
                                             _seconds(allow_zero=True))
    # GitHub API: read timeout of one request (connecting gets at most 10 s of it), and the pause
    # between content-creating requests GitHub's best practices ask for (1 s) to avoid secondary limits.
    github_timeout_seconds: float = setting(30.0, "PRGUARD_GITHUB_TIMEOUT_SECONDS", _seconds())
    github_write_interval_seconds: float = setting(1.0, "PRGUARD_GITHUB_WRITE_INTERVAL_SECONDS",
                                                   _seconds(allow_zero=True))
    # GitHub's secondary limit of about 500 content-creating requests per installation and hour; with
    # the interval above it is kept across every worker sharing the store (prguard/store/pacing.py).
    github_writes_per_hour: int = setting(500, "PRGUARD_GITHUB_WRITES_PER_HOUR", _hourly_cap)
    # A job still at work this long after it began shows its check run in_progress; a quicker one creates
    # the run already completed in one request. 0: always in_progress first.
    check_run_in_progress_after_seconds: float = setting(CHECK_RUN_IN_PROGRESS_AFTER_SECONDS,
                                                         "PRGUARD_CHECK_RUN_IN_PROGRESS_AFTER_SECONDS",
                                                         _seconds(allow_zero=True))
    # Jobs a worker process runs at once, each in its own thread: reading GitHub is mostly waiting, and
    # one installation waiting for its next write slot must not hold up the others.
    worker_threads: int = setting(4, "PRGUARD_WORKER_THREADS", _positive_int)
    # Onboarding: below this many PRs of history a check run says PRGuard is still learning the repository.
    min_history_prs: int = setting(50, "PRGUARD_MIN_HISTORY_PRS", _int)
    log_format: str = setting("text", "PRGUARD_LOG_FORMAT", _choice("text", "json"))
    log_level: str = setting("INFO", "PRGUARD_LOG_LEVEL", _log_level)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from ``env`` (default: the process environment)."""
        env = os.environ if env is None else env
        values = {}
        for field in dataclasses.fields(cls):
            raw = env.get(field.metadata["env"])
            if raw not in (None, ""):
                values[field.name] = field.metadata["parse"](field.metadata["env"], raw)
        settings = cls(**values)
        if settings.job_max_backoff_seconds < settings.job_backoff_seconds:
            raise ConfigError(f"PRGUARD_JOB_MAX_BACKOFF_SECONDS ({settings.job_max_backoff_seconds:g}) must "
                              f"not be below PRGUARD_JOB_BACKOFF_SECONDS ({settings.job_backoff_seconds:g}); "
                              "raise the first or lower the second")
        return settings

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
