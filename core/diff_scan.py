"""Find known secret values on the lines a pull request adds, by file and line number."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.contracts import SecretLeak
from core.known_secrets import KNOWN_SECRETS, KnownSecrets

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,\d+)? @@")


@dataclass
class _AddedLines:
    path: str
    numbers: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


def scan_diff(diff: str, known: KnownSecrets = KNOWN_SECRETS) -> list[SecretLeak]:
    """Each (file, line, handle) once; removed lines are not merged, so they do not count."""
    leaks: list[SecretLeak] = []
    for added in _added_lines(diff):
        # Joined, so a multi-line value (a PEM key) is found too, at the line it starts on.
        text = "\n".join(added.texts)
        for value, handle in known.items():
            at = text.find(value)
            while at != -1:
                leak = SecretLeak(added.path, added.numbers[text.count("\n", 0, at)], handle)
                if leak not in leaks:
                    leaks.append(leak)
                at = text.find(value, at + len(value))
        for value, handle in known.items():  # a file named after the value
            if value in added.path:
                leaks.append(SecretLeak(known.replace(added.path), 0, handle))
    return leaks


def _added_lines(diff: str) -> list[_AddedLines]:
    files: list[_AddedLines] = []
    current: _AddedLines | None = None
    line = 0
    in_hunk = False
    for text in diff.splitlines():
        if text.startswith("diff --git "):
            in_hunk = False
            current = _AddedLines(text.rsplit(" b/", 1)[-1])
            files.append(current)
        elif not in_hunk and text.startswith("+++ ") and current is not None:
            target = text[4:]
            current.path = target[2:] if target.startswith("b/") else current.path
        elif match := _HUNK.match(text):
            in_hunk, line = True, int(match["start"])
        elif in_hunk and current is not None and text.startswith("+"):
            current.numbers.append(line)
            current.texts.append(text[1:])
            line += 1
        elif in_hunk and text.startswith(" "):
            line += 1
    return files


def added_line_numbers(diff: str) -> dict[str, set[int]]:
    """The new-side line numbers each file of the diff adds: where a review may comment."""
    return {added.path: set(added.numbers) for added in _added_lines(diff)}
