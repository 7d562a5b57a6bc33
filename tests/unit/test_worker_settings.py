"""Worker timing and GitHub pacing are settings: the same for `prguard worker` and serve's embedded worker."""
from __future__ import annotations

import datetime as dt
import os
import sys
import threading

import pytest
from click.testing import CliRunner

from app.commands import serve as serve_command
from app.commands import worker as worker_command
from app.scoring_job import JobContext
from app.worker import Worker
from app.worker_context import github_connector, github_options
from prguard.config import ConfigError, Settings
from prguard.features.extraction import sensitive_files
from prguard.store.base import JOB_PENDING, utcnow
from prguard.store.sqlite import SQLiteStore

TIMING_ENV = {
    "PRGUARD_WORKER_POLL_SECONDS": "0.25",
    "PRGUARD_JOB_BACKOFF_SECONDS": "3",
    "PRGUARD_JOB_MAX_BACKOFF_SECONDS": "90",
    "PRGUARD_GITHUB_TIMEOUT_SECONDS": "45",
    "PRGUARD_GITHUB_WRITE_INTERVAL_SECONDS": "0",
    "PRGUARD_GITHUB_WRITES_PER_HOUR": "80",
    "PRGUARD_DELIVERY_RECLAIM_SECONDS": "120",
}


@pytest.fixture
def store(settings):
    store = SQLiteStore(settings.sqlite_path)
    yield store
    store.close()


def test_defaults_follow_githubs_guidance_and_the_environment_overrides_them():
    default = Settings.from_env({})
    assert (default.worker_poll_seconds, default.job_backoff_seconds, default.job_max_backoff_seconds,
            default.github_timeout_seconds, default.github_write_interval_seconds,
            default.github_writes_per_hour, default.delivery_reclaim_seconds) == (
        1.0, 2.0, 600.0, 30.0, 1.0, 500, 60.0)
    tuned = Settings.from_env(TIMING_ENV)
    assert (tuned.worker_poll_seconds, tuned.job_backoff_seconds, tuned.job_max_backoff_seconds,
            tuned.github_timeout_seconds, tuned.github_write_interval_seconds,
            tuned.github_writes_per_hour, tuned.delivery_reclaim_seconds) == (
        0.25, 3.0, 90.0, 45.0, 0.0, 80, 120.0)


@pytest.mark.parametrize("name, value, message", [
    ("PRGUARD_WORKER_POLL_SECONDS", "soon", "must be a number"),
    ("PRGUARD_WORKER_POLL_SECONDS", "0", "> 0"),
    ("PRGUARD_GITHUB_TIMEOUT_SECONDS", "-5", "> 0"),
    ("PRGUARD_GITHUB_TIMEOUT_SECONDS", "inf", "> 0"),
    ("PRGUARD_JOB_BACKOFF_SECONDS", "-1", ">= 0"),
    ("PRGUARD_GITHUB_WRITE_INTERVAL_SECONDS", "nan", ">= 0"),
    ("PRGUARD_DELIVERY_RECLAIM_SECONDS", "0", "> 0"),
    ("PRGUARD_GITHUB_WRITES_PER_HOUR", "1", ">= 2"),
    ("PRGUARD_GITHUB_WRITES_PER_HOUR", "many", "integer"),
])
def test_a_bad_timing_value_names_the_variable(name, value, message):
    with pytest.raises(ConfigError, match=message) as raised:
        Settings.from_env({name: value})
    assert str(raised.value).startswith(name) and repr(value) in str(raised.value)


def test_a_max_backoff_below_the_first_backoff_is_refused():
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"PRGUARD_JOB_BACKOFF_SECONDS": "30", "PRGUARD_JOB_MAX_BACKOFF_SECONDS": "10"})
    assert "PRGUARD_JOB_MAX_BACKOFF_SECONDS" in str(raised.value) and "PRGUARD_JOB_BACKOFF_SECONDS" in str(
        raised.value)


def test_a_failed_job_is_retried_after_the_configured_backoff(store, settings):
    settings = settings.replace(job_backoff_seconds=40.0, job_max_backoff_seconds=50.0)
    context = JobContext(store=store, settings=settings, current_model=lambda: None,
                         connect=lambda installation_id: None, sensitive_files=sensitive_files)
    job_id = store.jobs.enqueue("no_such_kind", {"repo": "octo/widgets", "number": 1})
    before = utcnow()
    assert Worker(store, context, settings, "w1").run_once()
    job = store.jobs.get(job_id)
    assert job["state"] == JOB_PENDING and "no handler" in job["last_error"]
    # First attempt: 40 s, half of it jittered.
    assert before + dt.timedelta(seconds=19.9) <= job["run_at"] <= utcnow() + dt.timedelta(seconds=40)


@pytest.mark.parametrize("timeout, expected", [(45.0, (10.0, 45.0)), (4.0, (4.0, 4.0))])
def test_the_github_client_gets_the_configured_timeout_and_write_interval(
        store, settings, app_private_key, timeout, expected):
    settings = settings.replace(github_app_id="123", github_app_private_key=app_private_key,
                                github_timeout_seconds=timeout, github_write_interval_seconds=0.25)
    client = github_connector(settings, store, **github_options(settings))(42).client
    assert client.core.timeout == expected
    assert client.core.policy.min_write_interval == 0.25
    assert client.core.policy.writes_per_hour == 500
    # Installation writes are paced by the store, so every worker process shares one schedule.
    assert client.core._write_pacer == store.pacing.reserve
    offline = settings.replace(github_app_id=None, github_token="ghp_example")
    reader = github_connector(offline, store, **github_options(offline))(42).client
    assert (reader.core.timeout, reader.core.policy.min_write_interval) == (expected, 0.25)


class Recorded:
    """Stands in for run_worker/configure_logging/signal.signal in the CLI: keeps what it was given."""

    def __init__(self):
        self.settings: Settings | None = None

    def run_worker(self, settings, stop_event, **overrides):
        self.settings = settings
        assert not overrides  # everything travels in the settings

    @staticmethod
    def ignore(*args, **kwargs):
        return None


@pytest.fixture
def recorded(monkeypatch):
    record = Recorded()
    monkeypatch.setattr(worker_command, "run_worker", record.run_worker)
    monkeypatch.setattr(worker_command, "configure_logging", record.ignore)
    monkeypatch.setattr(worker_command.signal, "signal", record.ignore)
    return record


def test_worker_command_options_override_the_settings(recorded, data_dir):
    env = {**TIMING_ENV, "PRGUARD_DATA_DIR": str(data_dir)}
    result = CliRunner().invoke(worker_command.worker, ["--backoff-seconds", "5", "--github-timeout", "7"],
                                env=env)
    assert result.exit_code == 0, result.output
    settings = recorded.settings
    assert (settings.worker_poll_seconds, settings.job_backoff_seconds, settings.job_max_backoff_seconds,
            settings.github_timeout_seconds, settings.github_write_interval_seconds) == (0.25, 5.0, 90.0, 7.0, 0.0)


@pytest.mark.parametrize("args, env, message", [
    (["--backoff-seconds", "120"], {"PRGUARD_JOB_MAX_BACKOFF_SECONDS": "60"}, "--max-backoff-seconds"),
    (["--poll-seconds", "0"], {}, "--poll-seconds"),
    ([], {"PRGUARD_WORKER_POLL_SECONDS": "fast"}, "PRGUARD_WORKER_POLL_SECONDS"),
])
def test_worker_command_explains_bad_timing(recorded, data_dir, args, env, message):
    result = CliRunner().invoke(worker_command.worker, args, env={**env, "PRGUARD_DATA_DIR": str(data_dir)})
    assert result.exit_code == 2 and message in result.output
    assert recorded.settings is None  # never started


def test_serve_refuses_bad_worker_settings_before_starting_anything(data_dir):
    result = CliRunner().invoke(serve_command.serve, [], env={"PRGUARD_DATA_DIR": str(data_dir),
                                                              "PRGUARD_JOB_BACKOFF_SECONDS": "-2"})
    assert result.exit_code == 2 and "PRGUARD_JOB_BACKOFF_SECONDS" in result.output
    assert not (data_dir / "prometheus").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priorities are Linux's")
def test_the_embedded_worker_thread_yields_the_cpu_to_the_web_service(monkeypatch):
    seen = {}

    def record_priority(settings, stop):
        seen["worker"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    monkeypatch.setattr("app.worker.run_worker", record_priority)
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=serve_command.run_embedded_worker, args=(None, threading.Event()))
    thread.start()
    thread.join(30)
    assert seen["worker"] == min(before + serve_command.EMBEDDED_WORKER_NICENESS, 19)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before  # only that thread
