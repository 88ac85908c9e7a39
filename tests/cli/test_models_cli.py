"""`orchestrator models`: list every role, set one from a preset or fields, refuse nonsense."""

from __future__ import annotations

import asyncio

from tests.cli.secrets_runner import cli
from tests.stack import Stack


async def run(stack: Stack, *args: str, stdin: str = "") -> tuple[int, str]:
    return await asyncio.to_thread(cli, stack, *args, stdin=stdin)


async def test_a_role_is_set_shown_listed_and_reset(stack: Stack):
    code, out = await run(stack, "secrets", "set", "--tenant-wide", "OPENAI_API_KEY", stdin="sk-1")
    assert code == 0, out
    code, out = await run(stack, "models", "set", "architect", "gpt-5.2", "--max-tokens", "900")
    assert code == 0 and "set architect: openai:gpt-5.2" in out, out
    code, out = await run(stack, "models", "show", "architect")
    assert code == 0 and "secret://_/OPENAI_API_KEY" in out and "900" in out and "sk-1" not in out
    code, out = await run(stack, "models", "list")
    assert code == 0 and "gemini-3-flash" in out and out.count("offline") >= 3, out
    code, out = await run(stack, "models", "reset", "architect")
    assert code == 0 and "back to the settings' offline model" in out, out


async def test_an_unknown_role_or_preset_is_a_sentence_not_a_traceback(stack: Stack):
    code, out = await run(stack, "models", "set", "janitor", "gpt-5.2")
    assert code == 1 and "'janitor' is not a role" in out and "Traceback" not in out, out
    code, out = await run(stack, "models", "set", "developer", "gpt-9")
    assert code == 1 and "no preset named 'gpt-9'" in out, out
