"""Invisible and direction-changing characters (Trojan Source, invisible-code payloads), told apart from
their ordinary uses (emoji sequences, scripts that need joiners)."""
from __future__ import annotations

import dataclasses
import unicodedata

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\u180e\ufeff")
# Variation selectors and tag characters carry no glyph; runs of them have hidden whole payloads.
_INVISIBLE_RANGES = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0xE0000, 0xE007F))
_BLACK_FLAG = "\U0001F3F4"  # flag emoji for regions are built from tag characters after it


@dataclasses.dataclass(frozen=True)
class Hidden:
    kind: str  # "bidi" | "invisible" | "zero-width"
    column: int
    codepoint: str

    @property
    def description(self) -> str:
        name = unicodedata.name(chr(int(self.codepoint[2:], 16)), "unnamed character")
        return f"{self.codepoint} {name}"


def _invisible(ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in _INVISIBLE_RANGES)


def _ordinary(text: str, i: int) -> bool:
    """Joiners between emoji or letters of scripts that need them, a selector after an emoji, a BOM at 0."""
    ch = text[i]
    before, after = text[i - 1] if i else "", text[i + 1] if i + 1 < len(text) else ""
    if ch == "\ufeff":
        return i == 0
    if ch in "\u200c\u200d":
        return bool(before and after and not before.isascii() and not after.isascii())
    if "\ufe00" <= ch <= "\ufe0f":
        return bool(before) and not before.isascii() and not ("\ufe00" <= after <= "\ufe0f")
    if 0xE0000 <= ord(ch) <= 0xE007F:
        start = i
        while start and 0xE0000 <= ord(text[start - 1]) <= 0xE007F:
            start -= 1
        return start > 0 and text[start - 1] == _BLACK_FLAG
    return False


def hidden_characters(text: str) -> list[Hidden]:
    if text.isascii():
        return []
    found = []
    for i, ch in enumerate(text):
        if ch in BIDI_CONTROLS:
            kind = "bidi"
        elif ch in ZERO_WIDTH:
            kind = "zero-width"
        elif _invisible(ch):
            kind = "invisible"
        else:
            continue
        if not _ordinary(text, i):
            found.append(Hidden(kind, i + 1, f"U+{ord(ch):04X}"))
    return found


def visible(text: str, limit: int = 120) -> str:
    """``text`` with every hidden character shown as <U+XXXX>, shortened: safe to quote back to people."""
    shown = "".join(f"<U+{ord(c):04X}>" if (c in BIDI_CONTROLS or c in ZERO_WIDTH or _invisible(c)
                                            or unicodedata.category(c) in ("Cc", "Cf")) else c for c in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
