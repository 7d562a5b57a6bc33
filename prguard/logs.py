"""Logging setup: one place that configures structured (JSON) or human-readable logs."""
from __future__ import annotations

import json
import logging
import sys
import time

from prguard.terminal import printable

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
    """One line per record. Message and context values are escaped (prguard.terminal): they carry PR
    titles, branch names and logins, and a \r or \n in one must not rewrite or forge a log line."""

    def format(self, record: logging.LogRecord) -> str:
        msg, args = record.msg, record.args
        record.msg, record.args = printable(record.getMessage()), None
        try:
            line = super().format(record)
        finally:
            record.msg, record.args = msg, args
        context = " ".join(f"{f}={printable(getattr(record, f))}" for f in CONTEXT_FIELDS
                           if getattr(record, f, None) is not None)
        return f"{line} [{context}]" if context else line

    def formatException(self, ei) -> str:
        # A traceback keeps its lines; within each, control characters are escaped like the message.
        return "\n".join(printable(line) for line in super().formatException(ei).split("\n"))


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
