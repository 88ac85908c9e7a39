"""Rich renderings of projects and their stages."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from core.contracts import ProjectState
from db.models import Project

STATUS_STYLE = {
    "completed": "green",
    "merged": "green",
    "running": "yellow",
    "developing": "yellow",
    "in_review": "cyan",
    "changes_requested": "magenta",
    "failed": "red",
    "cancelled": "red",
    "pending": "dim",
    "open": "cyan",
    "closed": "red",
}


def _styled(status: str) -> Text:
    return Text(status, style=STATUS_STYLE.get(status, ""))


def project_view(
    project: Project, state: ProjectState | None, cost_usd: float | None = None
) -> Group:
    header = Table.grid(padding=(0, 2))
    status = state.status if state else project.status
    header.add_row("project", f"{project.id}  [bold]{project.name}[/bold]")
    header.add_row("status", _styled(status))
    if state and state.model_label:
        header.add_row("model", state.model_label)
    if cost_usd is not None:
        header.add_row("cost", f"${cost_usd:.4f} so far (`orchestrator costs {project.id}`)")
    if project.repository_url:
        header.add_row("repository", project.repository_url)
    live_url = (state.live_url if state else None) or project.live_url
    if live_url:
        header.add_row("live", f"[link={live_url}]{live_url}[/link]")
    error = (state.error if state else None) or project.error
    if error:
        header.add_row("error", Text(error, style="red"))

    stages = Table(title="stages", title_justify="left")
    for column in ("stage", "status", "detail"):
        stages.add_column(column)
    rows: list[Any] = (
        [(s.name, s.status, s.detail) for s in state.stages]
        if state
        else [(s["name"], s["status"], s.get("detail", "")) for s in project.stages]
    )
    for name, stage_status, detail in rows:
        stages.add_row(name, _styled(stage_status), detail)

    parts: list[Any] = [header, stages]
    if state and state.tasks:
        tasks = Table(title="tasks", title_justify="left")
        for column in ("task", "status", "round", "PR"):
            tasks.add_column(column)
        for task in state.tasks:
            pr = f"#{task.pr_number}" if task.pr_number else ""
            tasks.add_row(task.key, _styled(task.status), str(task.rounds), pr)
        parts.append(tasks)
    if state and state.open_items():
        waiting = Table(title="waiting for you", title_justify="left")
        for column in ("id", "kind", "stage", "question", "reminders"):
            waiting.add_column(column)
        for item in state.open_items():
            waiting.add_row(
                item.id, item.kind, item.stage, escape(item.prompt), str(item.reminders)
            )
        parts.append(waiting)
    if state and state.rejected_replies:
        parts.append(Text("\n".join(state.rejected_replies), style="magenta"))
    return Group(*parts)


def projects_table(projects: list[Project]) -> Table:
    table = Table()
    for column in ("id", "name", "status", "stage", "repository", "live"):
        table.add_column(column)
    for p in projects:
        table.add_row(
            p.id, p.name, _styled(p.status), p.stage, p.repository_url or "", p.live_url or ""
        )
    return table
