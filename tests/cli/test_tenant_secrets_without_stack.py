"""A tenant's keys (the GitHub token, a model key) can be stored before the first `up`.

The stack may need them to start (FORGE_KIND=github), so storing them must not need it."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from tests.cli.test_cli import ORCHESTRATOR

TOKEN = "ghp_" + "q7" * 18


async def run(home: Path, *args: str, stdin: str = "") -> tuple[int, str]:
    environment = {
        **os.environ,
        "ORCHESTRATOR_HOME": str(home),
        "TEMPORAL_ADDRESS": "127.0.0.1:1",  # nothing listens: no stack is running
        "COLUMNS": "250",
    }
    process = await asyncio.create_subprocess_exec(
        ORCHESTRATOR,
        *args,
        env=environment,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_tenant_secrets_are_set_listed_and_removed_with_no_stack(tmp_path: Path):
    home = tmp_path / "home"
    code, out = await run(home, "secrets", "set", "--tenant-wide", "GITHUB_TOKEN", stdin=TOKEN)
    assert code == 0 and "stored GITHUB_TOKEN as secret://_/GITHUB_TOKEN" in out, out

    code, out = await run(home, "secrets", "list")
    assert code == 0 and "secret://_/GITHUB_TOKEN" in out and "set" in out, out
    stored = [p.read_bytes() for p in (home / "secrets").rglob("*") if p.is_file()]
    assert stored and not any(TOKEN.encode() in data for data in stored)

    code, out = await run(home, "secrets", "rm", "--tenant-wide", "GITHUB_TOKEN")
    assert code == 0 and "removed secret://_/GITHUB_TOKEN" in out, out
    code, out = await run(home, "secrets", "list")
    assert code == 0 and "no secrets" in out, out


async def test_a_projects_secret_still_needs_the_stack_and_says_so(tmp_path: Path):
    # It answers the project's waiting workflow, so it cannot be stored half-way.
    code, out = await run(tmp_path / "home", "secrets", "set", "p1", "API_KEY", stdin="v-1234")
    assert code == 1 and "Temporal is not reachable" in out and "orchestrator up" in out, out
