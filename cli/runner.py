"""What every command shares: the console, and running an async body with clean errors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from core.contracts import Gates
from core.errors import InvalidInput, OrchestratorError
from core.settings import Settings, load_settings
from core.vocabulary import GATE_NAMES

console = Console()
T = TypeVar("T")

GateOption = Annotated[
    list[str] | None,
    typer.Option(
        "--gate",
        help=f"ask before going on: {', '.join(GATE_NAMES)} (repeatable or comma-separated)",
    ),
]


def run_command(body: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    """Build settings once, run the command, and turn our errors into a clean exit."""
    settings = load_settings()
    try:
        return asyncio.run(body(settings))
    except OrchestratorError as err:
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(code=1) from None


def parse_gates(names: list[str] | None) -> Gates | None:
    if not names:
        return None
    try:
        return Gates.parse([n for name in names for n in name.split(",") if n])
    except ValueError as err:
        raise InvalidInput(str(err)) from None
