"""Releases and the live service: `releases`, `readiness`, `deploy`, `rollback`, `stop`, `start`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.context import project_services
from cli.runner import console, run_command
from core.contracts import DeployResult
from core.settings import Settings
from services.releases import ReleaseServices

ProjectArg = Annotated[str, typer.Argument(help="project id (see `list`)")]
STATUS_COLOUR = {"healthy": "green", "stopped": "yellow"}


def _report(result: DeployResult) -> None:
    colour = STATUS_COLOUR.get(result.status, "red")
    console.print(f"[{colour}]{result.status}[/{colour}] {escape(result.message)}")
    if result.status not in ("healthy", "stopped"):
        raise typer.Exit(code=1)


def releases(project_id: ProjectArg) -> None:
    """Every release of a project: number, commit, time, health, who asked, which one serves."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            rows = await ReleaseServices(services).list(project_id)
        if not rows:
            console.print(f"project {project_id} has no releases yet")
            return
        table = Table(title_justify="left")
        for column in ("release", "commit", "deployed at (UTC)", "health", "asked by", "serving"):
            table.add_column(column)
        for row in rows:
            colour = STATUS_COLOUR.get(row.status, "red")
            table.add_row(
                str(row.number),
                row.commit[:10],
                row.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                f"[{colour}]{row.status}[/{colour}]",
                row.requested_by,
                row.serving,
            )
        console.print(table)

    run_command(body)


def readiness(project_id: ProjectArg) -> None:
    """What a deploy of the project still lacks (the check the DevOps stage runs)."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            found = await ReleaseServices(services).readiness(project_id)
        if found.ready:
            console.print(f"[green]ready[/green] ({', '.join(found.checks)} checked)")
            return
        console.print(f"[red]not ready[/red]: {len(found.missing)} missing")
        for item in found.missing:
            fix = f" — {escape(item.fix)}" if item.fix else ""
            console.print(f"  {item.check}: {escape(item.what)}{fix}")
        raise typer.Exit(code=1)

    run_command(body)


def deploy(
    project_id: ProjectArg,
    release: Annotated[
        int | None, typer.Option("--release", help="redeploy this release's commit")
    ] = None,
) -> None:
    """Deploy main's head (or an earlier release's commit) as a new release."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            _report(await ReleaseServices(services).deploy(project_id, release=release))

    run_command(body)


def rollback(
    project_id: ProjectArg,
    to: Annotated[
        int | None, typer.Option("--to", help="the release to go back to (default: the one before)")
    ] = None,
) -> None:
    """Put an earlier healthy release back."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            _report(await ReleaseServices(services).rollback(project_id, to=to))

    run_command(body)


def stop(project_id: ProjectArg) -> None:
    """Stop the live service; it stays stopped (also through restarts) until `start`."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            _report(await ReleaseServices(services).stop(project_id))

    run_command(body)


def start(project_id: ProjectArg) -> None:
    """Start the serving release of a stopped service again."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            _report(await ReleaseServices(services).start(project_id))

    run_command(body)


def register(app: typer.Typer) -> None:
    for command in (releases, readiness, deploy, rollback, stop, start):
        app.command()(command)
