"""Inbox, answers and events on the command line."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cli.context import project_services
from cli.runner import console, run_command
from core.errors import InvalidInput
from core.settings import Settings
from core.vocabulary import ESCALATION_CHOICES, EscalationChoice
from db.models import Event, InboxEntry
from services.inbox import InboxServices

CHOICES_HELP: dict[str, str] = {  # by InboxKind
    "approval": "--approve, or --reject 'why'",
    "escalation": f"--choice {'|'.join(ESCALATION_CHOICES)} ['instructions']",
    "question": "'your answer'",
}


def inbox_table(items: list[InboxEntry]) -> Table:
    table = Table(title="waiting for you", title_justify="left")
    for column in ("id", "project", "kind", "stage", "question", "answer with"):
        table.add_column(column)
    for item in items:
        table.add_row(
            item.id,
            item.project_id,
            item.kind,
            item.stage,
            escape(item.prompt) + (f"\n[dim]{escape(item.context)}[/dim]" if item.context else ""),
            answer_with(item),
        )
    return table


def answer_with(item: InboxEntry) -> str:
    if item.kind == "secret":  # the value must never be an argument of `answer`
        name = item.options[0].rsplit("/", 1)[-1] if item.options else "NAME"
        return f"orchestrator secrets set {item.project_id} {name}"
    return f"orchestrator answer {item.id} {CHOICES_HELP.get(item.kind, '')}"


def print_events(console: Console, rows: list[Event]) -> None:
    for event in rows:
        when = event.created_at.strftime("%Y-%m-%d %H:%M:%S")
        console.print(
            f"[dim]{when}[/dim] [bold]{event.kind}[/bold] {escape(event.message)}", highlight=False
        )


def choice_from_flags(approve: bool, reject: bool, choice: EscalationChoice | None) -> str:
    if approve and reject:
        raise ValueError("--approve and --reject together make no sense")
    if approve:
        return "approve"
    if reject:
        return "reject"
    return choice or ""


def inbox() -> None:
    """Questions, approvals and escalations waiting for an answer."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            items = await InboxServices(services).open_items()
        console.print(inbox_table(items) if items else "nothing is waiting for you")

    run_command(body)


def answer(
    item_id: Annotated[str, typer.Argument(help="the id shown by `inbox`")],
    text: Annotated[str, typer.Argument(help="the answer, a comment, or instructions")] = "",
    approve: Annotated[bool, typer.Option("--approve", help="approve a gate")] = False,
    reject: Annotated[
        bool, typer.Option("--reject", help="reject a gate (say why in TEXT)")
    ] = False,
    choice: Annotated[
        EscalationChoice | None,
        typer.Option(help=f"escalations: {', '.join(ESCALATION_CHOICES)}"),
    ] = None,
) -> None:
    """Answer a question, decide a gate, or resolve an escalation."""

    async def body(settings: Settings) -> None:
        try:
            picked = choice_from_flags(approve, reject, choice)
        except ValueError as err:
            raise InvalidInput(str(err)) from None
        async with project_services(settings) as services:
            outcome = await InboxServices(services).answer(item_id, choice=picked, text=text)
        colour = "yellow" if outcome.queued else "green"
        console.print(f"[{colour}]{outcome.message}[/{colour}]")

    run_command(body)


def events(
    project_id: str,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="keep printing new ones")] = False,
) -> None:
    """What happened in a project: stages, questions, answers, decisions, deploys."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            log, last = InboxServices(services), 0
            while True:
                rows = await log.events(project_id, after_id=last)
                print_events(console, rows)
                last = (rows[-1].id or last) if rows else last
                if not follow:
                    return
                await asyncio.sleep(1)

    run_command(body)


def register(app: typer.Typer) -> None:
    for command in (inbox, answer, events):
        app.command()(command)
