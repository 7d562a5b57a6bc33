"""Text bound for a terminal or a text log line: control and invisible characters shown as escapes."""
from __future__ import annotations

import re

# Every character str.isprintable() refuses, except the plain space: C0/C1 controls (\r could rewrite
# a line, \n forge one, ESC drive the terminal), DEL, line and paragraph separators, and format
# characters such as bidirectional overrides that reorder what a reader sees.
_UNPRINTABLE = re.compile(r"[^ -~]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    if char.isprintable():
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: object) -> str:
    """``str(text)`` with every unprintable character escaped, so one value is always one visible line."""
    value = str(text)
    if value.isascii() and value.isprintable():
        return value  # the common case, answered without the regex
    return _UNPRINTABLE.sub(_escape, value)
