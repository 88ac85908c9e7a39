"""Follow a project live until it ends, answering what it asks when someone can."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.prompt import Confirm, Prompt

from cli.humans import CHOICES_HELP
from cli.render import project_view
from core.contracts import InboxItem
from core.errors import InvalidInput
from core.vocabulary import FINAL_STATUSES
from db.models import Project
from services.inbox import InboxServices
from services.projects import ProjectServices

TERMINAL = set(FINAL_STATUSES)

# Given an open item, return (choice, text) to answer it, or None to leave it for later.
Answerer = Callable[[InboxItem, Console], tuple[str, str] | None]


async def watch(
    services: ProjectServices,
    project: Project,
    console: Console,
    answer: Answerer | None = None,
) -> Project:
    """Refresh the stage table each second; return the project as it ended."""
    shown: set[str] = set()
    desk = InboxServices(services)
    while True:
        with Live(console=console, refresh_per_second=4, transient=False) as live:
            waiting = await _follow(services, project, live, shown)
        if waiting is None:
            return await services.get(project.id, tenant_id=project.tenant_id)
        shown.add(waiting.id)
        console.print(
            f"[bold yellow]waiting for you[/bold yellow] {waiting.id} {waiting.kind}: "
            f"{escape(waiting.prompt)}\n"
            f"  orchestrator answer {waiting.id} {escape(CHOICES_HELP[waiting.kind])}"
        )
        reply = answer(waiting, console) if answer else None
        if reply is not None:
            try:
                outcome = await desk.answer(waiting.id, choice=reply[0], text=reply[1])
                console.print(f"[green]{outcome.message}[/green]")
            except InvalidInput as err:
                console.print(f"[red]{err}[/red]")
                shown.discard(waiting.id)  # ask again


async def _follow(
    services: ProjectServices, project: Project, live: Live, shown: set[str]
) -> InboxItem | None:
    """Until the project ends (None) or asks something not shown yet (that item)."""
    while True:
        project = await services.get(project.id, tenant_id=project.tenant_id)
        state = await services.live_state(project)
        live.update(project_view(project, state))
        if state is not None:
            fresh = [i for i in state.open_items() if i.id not in shown]
            if fresh:
                return fresh[0]
        status = state.status if state else project.status
        if status in TERMINAL and project.status in TERMINAL:
            return None
        await asyncio.sleep(1)


def ask_in_terminal(item: InboxItem, console: Console) -> tuple[str, str] | None:
    """A person at the terminal answers; an empty answer leaves the item in the inbox."""
    if item.context:
        console.print(item.context, style="dim")
    if item.kind == "approval":
        approved = Confirm.ask("approve?", console=console)
        reason = "" if approved else Prompt.ask("why not", console=console, default="")
        return ("approve" if approved else "reject"), reason
    if item.kind == "secret":  # never typed as an answer: it would enter workflow history
        console.print(item.prompt)
        return None
    if item.kind == "escalation":
        choice = Prompt.ask("how to go on", choices=item.options, console=console)
        text = (
            Prompt.ask("instructions", console=console, default="") if choice == "instruct" else ""
        )
        return choice, text
    text = Prompt.ask("your answer (empty: later)", console=console, default="")
    return ("", text) if text.strip() else None
