"""A coding-agent session written to disk as it happens, one JSON object per line.

Workflows carry only its path (relative to the data dir): a long session's messages would
swell workflow history towards Temporal's 2 MB payload limit. Every line is masked, so a
secret value a tool read from a file never reaches the data dir in clear text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapters.llm.base import ChatMessage
from core.known_secrets import KNOWN_SECRETS


class Transcript:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # A retried attempt writes a file of its own; truncating guards a reused name.
        path.write_text("", encoding="utf-8")
        path.chmod(0o600)

    def message(self, step: int, message: ChatMessage) -> None:
        entry: dict[str, Any] = {"step": step, "role": message.role, "content": message.content}
        if message.tool_calls:
            entry["tool_calls"] = [
                {"id": c.id, "name": c.name, "arguments": c.arguments} for c in message.tool_calls
            ]
        if message.tool_call_id:
            entry["tool_call_id"] = message.tool_call_id
        self._write(entry)

    def stop(self, step: int, reason: str, report: str, tokens: int) -> None:
        entry = {"step": step, "role": "orchestrator", "stop": reason, "report": report}
        self._write({**entry, "tokens": tokens})

    def _write(self, entry: dict[str, Any]) -> None:
        # Masked before encoding: JSON escapes would hide a value that holds a quote or newline.
        line = json.dumps(KNOWN_SECRETS.replace_in(entry), ensure_ascii=False, default=str)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


def read_transcript(path: Path) -> list[dict[str, Any]]:
    """The entries of a transcript file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]
