"""`orchestrator update`, `activate` and `prs`: a product owner's tools for a project."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cli.context import project_services
from cli.render import STATUS_STYLE
from cli.runner import console, run_command
from core.settings import Settings
from services.product_owner import PROJECT_STATUSES, activate_project, update_project
from services.pull_requests import project_pull_requests

VERDICT_STYLE = {"approve": "green", "request_changes": "magenta", "comment": ""}


def update(
    project_id: Annotated[str, typer.Argument(help="project id (see `list`)")],
    repository_url: Annotated[
        str | None,
        typer.Option(help="the repository's web address; it must exist on the forge"),
    ] = None,
    status: Annotated[
        str | None, typer.Option(help=f"correct the status: {', '.join(PROJECT_STATUSES)}")
    ] = None,
) -> None:
    """Correct a project's record: its repository URL, its status."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            project = await update_project(
                services, project_id, repository_url=repository_url, status=status
            )
        console.print(
            f"project {project.id}: status {project.status}, "
            f"repository {project.repository_url or '(none)'}"
        )

    run_command(body)


def activate(project_id: Annotated[str, typer.Argument(help="project id (see `list`)")]) -> None:
    """Find the project's repository if its URL is missing, and restart a stopped project."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            outcome = await activate_project(services, project_id)
        project = outcome.project
        console.print(f"project {project.id}: {outcome.message}")
        console.print(f"repository {project.repository_url or '(none yet)'}")

    run_command(body)


def prs(project_id: Annotated[str, typer.Argument(help="project id (see `list`)")]) -> None:
    """The project's pull requests: state, the last review's verdict, and link."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            views = await project_pull_requests(services, project_id)
        if not views:
            console.print(f"project {project_id} has no pull requests yet")
            return
        table = Table(title_justify="left")
        for column in ("PR", "task", "state", "review", "title", "link"):
            table.add_column(column, overflow="fold")
        for pr in views:
            table.add_row(
                f"#{pr.number}",
                pr.task_key,
                f"[{STATUS_STYLE.get(pr.state, '')}]{pr.state}[/]" if pr.state else "",
                f"[{VERDICT_STYLE.get(pr.verdict, '')}]{pr.verdict}[/]" if pr.verdict else "-",
                pr.title,
                pr.url,
            )
        console.print(table)

    run_command(body)


def register(app: typer.Typer) -> None:
    app.command()(update)
    app.command()(activate)
    app.command()(prs)
