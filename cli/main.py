"""The `orchestrator` command line."""

from __future__ import annotations

import os
import signal
import sys
from typing import Annotated

import typer

from cli import (
    changes,
    costs,
    evals,
    humans,
    image,
    models,
    product_owner,
    releases,
    resources,
    secrets,
    servers,
)
from cli.context import project_services
from cli.render import project_view, projects_table
from cli.runner import GateOption, console, parse_gates, run_command
from cli.watch import ask_in_terminal, watch
from core.logging import configure_logging
from core.settings import Settings, load_settings
from services.costs import project_cost
from services.projects import validate_idea

app = typer.Typer(no_args_is_help=True, help="Orchestrator: from an idea to a live service.")
humans.register(app)
changes.register(app)
secrets.register(app)
resources.register(app)
releases.register(app)
product_owner.register(app)
image.register(app)
servers.register(app)
models.register(app)
evals.register(app)
costs.register(app)


@app.command()
def up() -> None:
    """Start Temporal (embedded unless TEMPORAL_ADDRESS is set), the worker and the API."""
    from cli.stack import run_stack

    configure_logging()
    run_command(run_stack)


@app.command()
def down() -> None:
    """Stop a stack started in the background (by `demo` or `up &`)."""
    from cli.stack import running_stack

    settings = load_settings()
    # Only a pid that is still our stack: after a crash the number may belong to anyone.
    pid = running_stack(settings)
    if pid is None:
        console.print(f"no running stack found for {settings.data_dir}")
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
    gate: GateOption = None,
) -> None:
    """Submit an idea: starts a project workflow."""

    async def body(settings: Settings) -> None:
        validate_idea(idea)  # before connecting: bad input is reported as such, not as an outage
        gates = parse_gates(gate)
        async with project_services(settings) as services:
            project = await services.submit(idea, gates=gates)
            console.print(
                f"project [bold]{project.id}[/bold] started (workflow {project.workflow_id})"
            )
            if wait:
                answer = ask_in_terminal if sys.stdin.isatty() else None
                project = await watch(services, project, console, answer=answer)
                if project.status != "completed":
                    raise typer.Exit(code=1)

    run_command(body)


@app.command()
def status(project_id: Annotated[str, typer.Argument(help="project id (see `list`)")]) -> None:
    """Show a project's stages, tasks, open questions and live URL."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            project = await services.get(project_id)
            cost = await project_cost(services, project.id, project.tenant_id)
            console.print(project_view(project, await services.live_state(project), cost))

    run_command(body)


@app.command("list")
def list_projects() -> None:
    """List recent projects."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            console.print(projects_table(await services.list()))

    run_command(body)


@app.command()
def cancel(project_id: str) -> None:
    """Cancel a running project (sandboxes stop, the project ends `cancelled`)."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            await services.cancel(project_id)
            console.print(f"cancelling {project_id}")

    run_command(body)


@app.command()
def demo(
    idea: Annotated[str, typer.Option(help="the idea to build")] = "Weather bot with notifications",
    gate: GateOption = None,
) -> None:
    """Start the stack in the background if needed, build an idea end to end, show it live.

    With gates, the demo plays the owner: each question and approval shows up in the inbox
    and is answered through `orchestrator answer`, as a person would.
    """
    from cli.demo import run_demo

    run_command(lambda settings: run_demo(settings, idea, console, parse_gates(gate)))
