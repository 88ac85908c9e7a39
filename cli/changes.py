"""Change requests to live projects on the command line: `change` and `changes`."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.context import project_services
from cli.humans import answer_with, print_events
from cli.runner import console, run_command
from cli.watch import ask_in_terminal
from core import changes as naming
from core.contracts import InboxItem
from core.errors import InvalidInput
from core.settings import Settings
from core.vocabulary import CHANGE_FINAL_STATUSES
from db.models import Change, InboxEntry
from services.changes import ChangeServices, validate_change
from services.inbox import InboxServices

STYLE = {"live": "green", "rolled_back": "red", "failed": "red", "cancelled": "red"}


def register(app: typer.Typer) -> None:
    app.command()(change)
    app.command("changes")(list_changes)


def change(
    project_id: Annotated[str, typer.Argument(help="a live project's id (see `list`)")],
    text: Annotated[str, typer.Argument(help="what should change, e.g. 'add an endpoint /stats'")],
    wait: Annotated[bool, typer.Option("--wait", help="follow the change until it ends")] = False,
) -> None:
    """Ask a live project for a change: a new release, live or rolled back. Changes queue."""

    async def body(settings: Settings) -> None:
        validate_change(text)  # before connecting: bad input is reported as such
        async with project_services(settings) as services:
            changes = ChangeServices(services)
            submitted = await changes.submit(project_id, text)
            console.print(
                f"change [bold]#{submitted.number}[/bold] to {project_id} queued "
                f"(workflow {submitted.workflow_id})"
            )
            if wait:
                ended = await follow(changes, InboxServices(services), submitted)
                colour = STYLE.get(ended.status, "")
                console.print(
                    f"change #{ended.number} [{colour}]{ended.status}[/{colour}]: "
                    f"{escape(ended.message)}"
                )
                if ended.status != "live":
                    raise typer.Exit(code=1)

    run_command(body)


def list_changes(project_id: Annotated[str, typer.Argument(help="project id")]) -> None:
    """A project's change requests, in the order they run."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            rows = await ChangeServices(services).list(project_id)
        table = Table(title=f"changes of {project_id}", title_justify="left")
        for column in ("#", "status", "stage", "release", "asked by", "change", "outcome"):
            table.add_column(column)
        for row in rows:
            table.add_row(
                str(row.number),
                f"[{STYLE.get(row.status, '')}]{row.status}[/]"
                if row.status in STYLE
                else row.status,
                row.stage,
                row.release_id or "",
                row.requested_by,
                escape(row.text),
                escape(row.message),
            )
        console.print(table)

    run_command(body)


async def follow(changes: ChangeServices, desk: InboxServices, change: Change) -> Change:
    """Print the change's events as they come; ask its questions at a terminal; until it ends."""
    after, asked = 0, set[str]()
    project_id, tenant = change.project_id, change.tenant_id
    while True:
        rows = await desk.events(project_id, after_id=after, tenant_id=tenant)
        mine = [e for e in rows if e.payload.get("change") == change.number]
        print_events(console, mine)
        after = rows[-1].id or after if rows else after
        current = await changes.get(project_id, change.number, tenant_id=tenant)
        if current.status in CHANGE_FINAL_STATUSES:
            return current
        for item in await desk.open_items(tenant_id=tenant, project_id=project_id):
            if item.id in asked or naming.change_of_item(item.id, project_id) != change.number:
                continue
            asked.add(item.id)
            await _ask(desk, item)
        await asyncio.sleep(1)


async def _ask(desk: InboxServices, entry: InboxEntry) -> None:
    console.print(
        f"[bold yellow]waiting for you[/bold yellow] {entry.id} {entry.kind}: "
        f"{escape(entry.prompt)}\n  {answer_with(entry)}"
    )
    if not sys.stdin.isatty():
        return
    item = InboxItem(
        id=entry.id,
        kind=entry.kind,  # type: ignore[arg-type]
        prompt=entry.prompt,
        stage=entry.stage,  # type: ignore[arg-type]
        options=entry.options,
        context=entry.context,
    )
    reply = ask_in_terminal(item, console)
    if reply is None:
        return
    try:
        outcome = await desk.answer(entry.id, choice=reply[0], text=reply[1])
        console.print(f"[green]{outcome.message}[/green]")
    except InvalidInput as err:
        console.print(f"[red]{err}[/red]")
