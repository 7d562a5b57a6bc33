"""The core's CLI commands; each lives in its own module and is listed here."""
from __future__ import annotations

from prguard.commands.checks import checks
from prguard.commands.demo import demo
from prguard.commands.demo_data import demo_data
from prguard.commands.import_prs import import_prs
from prguard.commands.replay import replay
from prguard.commands.score import score
from prguard.commands.status import feedback, status

ALL: list = [demo, checks, score, import_prs, demo_data, replay, status, feedback]
