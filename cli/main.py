"""The `orchestrator` command line."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from cli.context import project_services
from cli.render import project_view, projects_table
from cli.watch import watch
from core.errors import OrchestratorError
from core.logging import configure_logging
from core.settings import Settings, load_settings
from services.projects import validate_idea

app = typer.Typer(no_args_is_help=True, help="Orchestrator: from an idea to a live service.")
console = Console()
T = TypeVar("T")


def _run(body: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    """Build settings once, run the command, and turn our errors into a clean exit."""
    settings = load_settings()
    try:
        return asyncio.run(body(settings))
    except OrchestratorError as err:
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(code=1) from None


@app.command()
def up() -> None:
    """Start Temporal (embedded unless TEMPORAL_ADDRESS is set), the worker and the API."""
    from cli.stack import run_stack

    configure_logging()
    _run(run_stack)


@app.command()
def down() -> None:
    """Stop a stack started in the background (by `demo` or `up &`)."""
    settings = load_settings()
    from cli.stack import pid_file

    try:
        pid = int(pid_file(settings).read_text())
    except (OSError, ValueError):
        console.print("no running stack found")
        return
    os.kill(pid, signal.SIGTERM)
    console.print(f"stopping the stack (pid {pid})")


@app.command()
def migrate() -> None:
    """Upgrade the database schema to the latest migration."""
    from db.migrate import upgrade_to_head

    settings = load_settings()
    upgrade_to_head(settings.database_url)
    console.print(f"database at head: {settings.database_url.split('@')[-1]}")


@app.command()
def new(
    idea: Annotated[
        str, typer.Argument(help="what to build, e.g. 'Weather bot with notifications'")
    ],
    wait: Annotated[bool, typer.Option("--wait", help="follow the stages until the end")] = False,
) -> None:
    """Submit an idea: starts a project workflow."""

    async def body(settings: Settings) -> None:
        validate_idea(idea)  # before connecting: bad input is reported as such, not as an outage
        async with project_services(settings) as services:
            project = await services.submit(idea)
            console.print(
                f"project [bold]{project.id}[/bold] started (workflow {project.workflow_id})"
            )
            if wait:
                project = await watch(services, project, console)
                if project.status != "completed":
                    raise typer.Exit(code=1)

    _run(body)


@app.command()
def status(project_id: Annotated[str, typer.Argument(help="project id (see `list`)")]) -> None:
    """Show a project's stages, tasks and live URL."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            project = await services.get(project_id)
            console.print(project_view(project, await services.live_state(project)))

    _run(body)


@app.command("list")
def list_projects() -> None:
    """List recent projects."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            console.print(projects_table(await services.list()))

    _run(body)


@app.command()
def cancel(project_id: str) -> None:
    """Cancel a running project (sandboxes stop, the project ends `cancelled`)."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            await services.cancel(project_id)
            console.print(f"cancelling {project_id}")

    _run(body)


@app.command()
def rollback(project_id: str) -> None:
    """Put the project's previous healthy release back."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            result = await services.rollback(project_id)
            colour = "green" if result.status == "healthy" else "red"
            console.print(f"[{colour}]{result.status}[/{colour}] {result.message}")

    _run(body)


@app.command()
def demo(
    idea: Annotated[str, typer.Option(help="the idea to build")] = "Weather bot with notifications",
) -> None:
    """Start the stack in the background if needed, build an idea end to end, show it live."""
    from cli.demo import run_demo

    _run(lambda settings: run_demo(settings, idea, console))
