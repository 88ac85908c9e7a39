"""What stops a coding-agent session that does not finish: steps, tokens and loops."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

from adapters.llm.base import ModelReply, ToolCall
from core.vocabulary import CodingStop


@dataclass(frozen=True)
class CodingLimits:
    max_steps: int = 25  # model calls
    max_tokens: int = 400_000  # prompt + completion over the session
    loop_repeats: int = 3  # the same call with the same result this often is a loop


@dataclass(frozen=True)
class Stop:
    reason: CodingStop
    report: str  # in words, for the task's summary, its events and the reviewer


@dataclass
class LimitWatch:
    """Counts what a session spends and notices when it goes round in circles."""

    limits: CodingLimits
    steps: int = 0
    tokens: int = 0
    _seen: Counter[str] = field(default_factory=Counter)

    def after_reply(self, reply: ModelReply) -> Stop | None:
        self.steps += 1
        self.tokens += reply.usage.prompt_tokens + reply.usage.completion_tokens
        if self.tokens >= self.limits.max_tokens:
            return Stop(
                "token_limit",
                f"Stopped at the token limit: {self.tokens} tokens used in {self.steps} steps "
                f"(limit {self.limits.max_tokens}, CODING_MAX_TOKENS).",
            )
        return None

    def after_call(self, call: ToolCall, output: str) -> Stop | None:
        """A call repeated with the same outcome changed nothing the first time either."""
        key = _fingerprint(call, output)
        self._seen[key] += 1
        if self._seen[key] < self.limits.loop_repeats:
            return None
        return Stop(
            "loop",
            f"Stopped in a loop: {describe(call)} was called {self._seen[key]} times with the "
            f"same arguments and the same result (limit {self.limits.loop_repeats}, "
            "CODING_LOOP_REPEATS).",
        )

    def out_of_steps(self) -> Stop | None:
        if self.steps < self.limits.max_steps:
            return None
        return Stop(
            "step_limit",
            f"Stopped after {self.steps} steps without calling finish "
            f"(limit {self.limits.max_steps}, CODING_MAX_STEPS).",
        )


def describe(call: ToolCall) -> str:
    detail = call.arguments.get("path") or call.arguments.get("command") or ""
    return f"{call.name} {str(detail)[:80]}".strip()


def _fingerprint(call: ToolCall, output: str) -> str:
    arguments = json.dumps(call.arguments, sort_keys=True, default=str)
    return hashlib.sha256(f"{call.name}\0{arguments}\0{output}".encode()).hexdigest()
