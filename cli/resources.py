"""`orchestrator resources PROJECT`: the handles Zavhoz gave a project."""

from __future__ import annotations

import typer
from rich.table import Table

from cli.context import project_services
from cli.runner import console, run_command
from core.settings import Settings
from services.resources import handle_of, project_resources


def resources(project_id: str) -> None:
    """A project's ports, servers, domains, databases and secret handles (never values)."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            rows = await project_resources(services, project_id)
        if not rows:
            console.print(f"project {project_id} holds no resources yet")
            return
        table = Table(title_justify="left")
        for column in ("kind", "handle", "value"):
            table.add_column(column)
        for row in rows:
            table.add_row(
                row.kind,
                handle_of(row),
                "(in the secret store)" if row.kind == "secret" else row.value,
            )
        console.print(table)

    run_command(body)


def register(app: typer.Typer) -> None:
    app.command()(resources)
