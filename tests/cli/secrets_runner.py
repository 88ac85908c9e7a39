"""`orchestrator ...` in process through typer's runner: stdin is a pipe, not a terminal."""

from __future__ import annotations

from typer.testing import CliRunner

from cli.main import app
from tests.stack import Stack


def cli(stack: Stack, *args: str, stdin: str = "") -> tuple[int, str]:
    """Blocking (the command runs its own event loop): call it through asyncio.to_thread."""
    env = {
        "ORCHESTRATOR_HOME": str(stack.settings.home),
        "TEMPORAL_ADDRESS": stack.client.service_client.config.target_host,
        "TEMPORAL_TASK_QUEUE": stack.settings.temporal.task_queue,
        "COLUMNS": "250",
    }
    result = CliRunner().invoke(app, list(args), input=stdin, env=env)
    return result.exit_code, result.output
