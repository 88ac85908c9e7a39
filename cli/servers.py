"""`orchestrator servers add|list|rm`: the hosts deploys go to over SSH."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from activities.servers import LOCALHOST
from cli.context import project_services
from cli.runner import console, run_command
from core.settings import Settings
from services.servers import NewServer, ServerServices, default_key_handle

servers_app = typer.Typer(
    no_args_is_help=True,
    help="Servers deploys go to over SSH (this host, 'localhost', is always there).",
)


@servers_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="a short name, e.g. web-1")],
    host: Annotated[str, typer.Argument(help="its address or host name")],
    port: Annotated[int, typer.Option(help="its SSH port")] = 22,
    user: Annotated[str, typer.Option(help="who Ansible logs in as")] = "root",
    key: Annotated[
        str, typer.Option(help="the private key's handle; default secret://_/SSH_KEY_<NAME>")
    ] = "",
) -> None:
    """Register a server after logging in to it once (an unreachable one is refused)."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            server = await ServerServices.of(services).add(
                NewServer(name=name, host=host, port=port, user=user, key_handle=key)
            )
        console.print(
            f"[green]added[/green] {server.name} ({server.user}@{server.host}:{server.port}, "
            f"key {server.key_handle}): {escape(server.message)}"
        )

    run_command(body)


@servers_app.command("list")
def list_servers() -> None:
    """Every server with what its last check saw."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            rows = await ServerServices.of(services).list()
        table = Table(title_justify="left")
        for column in ("name", "address", "status", "free disk MB", "free memory MB", "checked"):
            table.add_column(column)
        table.add_row(LOCALHOST, "local connection", "reachable", "", "", "")
        for s in rows:
            table.add_row(
                s.name,
                f"{s.user}@{s.host}:{s.port}",
                s.status
                if not s.message or s.status == "reachable"
                else f"{s.status}: {s.message}",
                "" if s.free_disk_mb is None else str(s.free_disk_mb),
                "" if s.free_memory_mb is None else str(s.free_memory_mb),
                s.checked_at.isoformat(timespec="seconds") if s.checked_at else "never",
            )
        console.print(table)

    run_command(body)


@servers_app.command("rm")
def remove(name: Annotated[str, typer.Argument(help="the server's name")]) -> None:
    """Forget a server (its key stays in the secret store: `secrets rm` removes it)."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            await ServerServices.of(services).remove(name)
        console.print(f"removed {name} (its key {default_key_handle(name)} is still stored)")

    run_command(body)


def register(app: typer.Typer) -> None:
    app.add_typer(servers_app, name="servers")
