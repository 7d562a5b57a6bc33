"""Logging setup: one place that configures structured (JSON) or human-readable logs."""
from __future__ import annotations

import json
import logging
import sys
import time

# Context fields a log record may carry (logger.info(..., extra={"delivery_id": ...})).
CONTEXT_FIELDS = ("delivery_id", "event", "action", "repo", "pr", "head_sha", "job_id", "installation_id",
                  "model_version", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for field in CONTEXT_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = " ".join(f"{f}={getattr(record, f)}" for f in CONTEXT_FIELDS
                           if getattr(record, f, None) is not None)
        return f"{line} [{context}]" if context else line


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Configure the root logger once per process; ``fmt`` is 'json' (production) or 'text'."""
    handler = logging.StreamHandler(sys.stderr)
    formatter = JsonFormatter() if fmt == "json" else TextFormatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s")
    formatter.converter = time.gmtime  # timestamps in UTC, like GitHub's
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
