"""Telegram's message rules: HTML escaped, at most 4096 characters (UTF-16 code units)."""

from __future__ import annotations

import html

LIMIT = 4096


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def split_escaped(text: str, limit: int = LIMIT) -> list[str]:
    """`text` escaped and cut into messages of at most `limit`, at line ends where it can be.

    Cut before escaping, piece by piece, so no `&amp;` is ever split in half.
    """
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True) or [""]:
        for piece in _pieces(escape(line), limit):
            if current and units(current) + units(piece) > limit:
                chunks.append(current)
                current = ""
            current += piece
    chunks.append(current)
    return [c.rstrip("\n") or "…" for c in chunks]


def _pieces(escaped_line: str, limit: int) -> list[str]:
    """One escaped line, cut into parts that fit, never inside an entity."""
    if units(escaped_line) <= limit:
        return [escaped_line]
    pieces, current, size = [], "", 0
    index = 0
    while index < len(escaped_line):
        end = escaped_line.find(";", index) + 1 if escaped_line[index] == "&" else index + 1
        token = escaped_line[index:end]
        if size + units(token) > limit:
            pieces.append(current)
            current, size = "", 0
        current += token
        size += units(token)
        index = end
    pieces.append(current)
    return pieces
