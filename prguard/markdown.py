"""Attacker-written strings (PR titles, branches, file names, logins) made safe for check-run markdown.

Every PR-derived string that enters a check run's markdown (summary, text) goes through one of:

- ``code(value)``: a code span that shows ``value`` exactly as written (control characters made visible),
  fenced with a backtick run longer than any inside it; ``table=True`` when it sits in a table cell.
- ``text(value)``: running text that renders as the literal characters: no emphasis, links, images,
  HTML, comments, tables, math, headings or lists, no ``@`` mention or autolink.
- ``cell(value)``: ``text`` for a table cell (``None`` reads "unknown").
- ``plain(value)``: for fields GitHub shows as plain text (check-run and annotation titles, messages):
  control characters made visible and the length capped, no markdown escaping.

All four replace control and invisible formatting characters (newlines, ``\\r``, ESC, bidi overrides,
zero-width characters, lone surrogates) with a visible escape such as ``\\n`` or ``\\u202e``, so no string
can end a paragraph, open an HTML comment or reorder what a reader sees; and all cap the length, keeping
the start and the end (a file's name is at its end) around an ellipsis. The result is always one line.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

__all__ = ["DEFAULT_LIMIT", "ELLIPSIS", "cell", "code", "plain", "text", "visible"]

# Long enough for any ordinary path or title; a longer one is almost always padding meant to push
# something out of view, which is why the end is kept as well as the start.
DEFAULT_LIMIT = 200
ELLIPSIS = "…"

_NAMED_CONTROLS = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Cc control, Cf format (bidi overrides, zero-width joiners, tag characters), Zl/Zp line and paragraph
# separators, Cs lone surrogates (they cannot even be encoded as UTF-8).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})

# Inline markdown GitHub would act on: code, "*" emphasis, strikethrough, links, footnotes, images, tables,
# math, and the backslash itself. Each is backslash-escaped (CommonMark: any ASCII punctuation may be).
_BACKSLASHED = frozenset("\\`*~[]!|$")
# "_" between two letters or digits can neither open nor close emphasis (CommonMark's flanking rules),
# so identifiers such as FIRST_TIME_CONTRIBUTOR stay readable; every other "_" is escaped.
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
# GitHub links @user/@org/team mentions and e-mail addresses after rendering, on the text itself, so a
# backslash does not stop it; a zero-width joiner after the "@" does, and is invisible to the reader.
_MENTION_BREAK = "@\u200d"
# GFM autolinks "http://", "https://", "ftp://" and "www." in plain text; escaping their ":" or "."
# stops the autolink scanner without changing what is shown.
_AUTOLINKS = (re.compile(r"(?<=[A-Za-z]):(?=//)"), re.compile(r"(?<=\bwww)\.", re.IGNORECASE))
# Block syntax is only recognised at the start of a line: headings, quotes (">" is already an entity),
# list items and thematic breaks ("-", "+", "1." or "1)"), setext underlines ("="), indented code.
_LINE_START = re.compile(r"^(?:[#+\-=]|\d{1,9}(?=[.)])| )")


def _visible_char(ch: str) -> str:
    if ch in _NAMED_CONTROLS:
        return _NAMED_CONTROLS[ch]
    if unicodedata.category(ch) not in _INVISIBLE_CATEGORIES:
        return ch
    point = ord(ch)
    if point < 0x100:
        return f"\\x{point:02x}"
    return f"\\u{point:04x}" if point < 0x10000 else f"\\U{point:08x}"


def visible(value: Any) -> str:
    """``value`` as a string with every control or invisible formatting character written as an escape."""
    return "".join(_visible_char(ch) for ch in str(value))


def _capped(value: str, limit: int) -> str:
    """At most ``limit`` characters: the start and the end around an ellipsis."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    if len(value) <= limit:
        return value
    keep = limit - len(ELLIPSIS)
    head = (keep + 1) // 2
    return value[:head] + ELLIPSIS + value[len(value) - (keep - head):]


def plain(value: Any, limit: int = DEFAULT_LIMIT) -> str:
    """For fields GitHub shows as plain text: one line, visible control characters, at most ``limit``."""
    return _capped(visible(value), limit)


def _escape_char(ch: str) -> str:
    if ch in _BACKSLASHED:
        return "\\" + ch
    if ch == "@":
        return _MENTION_BREAK
    return _ENTITIES.get(ch, ch)


def _escape_line_start(match: re.Match) -> str:
    found = match.group(0)
    if found == " ":
        return "&#32;"  # a leading space must not start an indented code block
    if found.isdigit():
        return found + "\\"  # "1." / "1)" would start an ordered list: escape the punctuation after it
    return "\\" + found


def _inline(value: Any, limit: int) -> str:
    escaped = _UNDERSCORE.sub(r"\\_", "".join(_escape_char(ch) for ch in plain(value, limit)))
    for pattern in _AUTOLINKS:
        escaped = pattern.sub(lambda m: "\\" + m.group(0), escaped)
    return escaped


def text(value: Any, limit: int = DEFAULT_LIMIT) -> str:
    """``value`` as markdown running text that renders as exactly its (visible, capped) characters,
    wherever it is placed: mid-line, at the start of a line or of a list item."""
    return _LINE_START.sub(_escape_line_start, _inline(value, limit), count=1)


def cell(value: Any, limit: int = DEFAULT_LIMIT) -> str:
    """``text`` for a GFM table cell (only inline markdown is parsed there, so a leading "-" or "1." stays
    as it is); ``None`` reads "unknown", since an empty cell looks like a rendering bug."""
    return "unknown" if value is None else _inline(value, limit)


def _longest_backtick_run(value: str) -> int:
    return max((len(run) for run in re.findall(r"`+", value)), default=0)


def code(value: Any, limit: int = DEFAULT_LIMIT, table: bool = False) -> str:
    """``value`` as an inline code span showing its (visible, capped) characters literally.

    Inside a code span nothing is markdown: no HTML, links or mentions. What remains is to fence it with
    more backticks than its longest run, pad it when it starts or ends with a backtick or a space (the
    renderer strips one space from each side), and, in a table cell (``table=True``), escape ``|``, which
    GFM splits cells on even inside code spans."""
    shown = plain(value, limit)
    if table:
        shown = shown.replace("|", "\\|")
    if not shown:
        return "` `"
    fence = "`" * (_longest_backtick_run(shown) + 1)
    pad = " " if shown[0] in "` " or shown[-1] in "` " else ""
    return f"{fence}{pad}{shown}{pad}{fence}"
