"""Cutting long text to fit a prompt, saying how much was left out."""

from __future__ import annotations


def head(text: str, limit: int) -> str:
    """The first `limit` characters: files and diffs are read from the top."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n[... {len(text) - limit} more characters omitted ...]"


def tail(text: str, limit: int) -> str:
    """The last `limit` characters: errors and test verdicts are printed last."""
    if len(text) <= limit:
        return text
    return f"[... {len(text) - limit} earlier characters omitted ...]\n{text[-limit:]}"
