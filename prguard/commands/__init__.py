"""The core's CLI commands; each lives in its own module and is listed here."""
from __future__ import annotations

ALL: list = []
