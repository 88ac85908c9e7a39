"""`orchestrator secrets ...`: values go into the store, only names and handles come out."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.context import project_services
from cli.runner import console, run_command
from core.errors import InvalidInput
from core.handles import check_secret_name
from core.settings import Settings
from services.secrets import SecretServices, TenantSecrets

secrets_app = typer.Typer(
    no_args_is_help=True,
    help="Secrets of projects and tenants (values are never shown) and the history keys.",
)

TenantWide = Annotated[
    bool, typer.Option("--tenant-wide", help="a secret of the tenant, for every project")
]
Target = Annotated[str, typer.Argument(help="the project id (the NAME with --tenant-wide)")]
Name = Annotated[str | None, typer.Argument(help="e.g. WEATHER_API_KEY", show_default=False)]
Multiline = Annotated[
    bool,
    typer.Option(
        "--multiline", help="keep line breaks (a PEM key file), read from stdin: < key.pem"
    ),
]


def _scope(target: str, name: str | None, tenant_wide: bool) -> tuple[str | None, str]:
    """(project id or None for the tenant, NAME) from `PROJECT NAME` or `--tenant-wide NAME`.

    Checked before the value is asked for, so nobody types a secret for a refused command.
    """
    try:
        if tenant_wide and name is not None:
            raise InvalidInput("with --tenant-wide give only the NAME, no project")
        if not tenant_wide and name is None:
            raise InvalidInput("give the project and the NAME (or --tenant-wide NAME)")
        secret_name = check_secret_name(target if name is None else name)
    except InvalidInput as err:
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(code=1) from None
    return (None if tenant_wide else target), secret_name


def _read_value(name: str, *, multiline: bool = False) -> str:
    """Never an argument: shell history and `ps` would keep it."""
    if multiline and sys.stdin.isatty():
        console.print(f"[red]error:[/red] pipe the file in: ... --multiline {name} < file")
        raise typer.Exit(code=1)
    if sys.stdin.isatty():
        value: str = typer.prompt(f"value of {name} (hidden)", hide_input=True)
        return value
    return sys.stdin.read()


@secrets_app.command("set")
def set_secret(
    target: Target,
    name: Name = None,
    tenant_wide: TenantWide = False,
    multiline: Multiline = False,
) -> None:
    """Store a secret (read hidden, or from stdin) and answer the project waiting for it."""
    project_id, secret_name = _scope(target, name, tenant_wide)
    value = _read_value(secret_name, multiline=multiline)

    async def body(settings: Settings) -> None:
        if project_id is None:  # no stack needed: keys can be set before the first `up`
            stored = await TenantSecrets.of(settings).put(secret_name, value, multiline=multiline)
        else:
            async with project_services(settings) as services:
                secrets = SecretServices.of(services)
                stored = await secrets.put(project_id, secret_name, value, multiline=multiline)
        console.print(f"[green]stored[/green] {secret_name} as {stored.handle}")
        for item_id in stored.answered:
            console.print(f"answered {item_id} with the handle")
        for note in stored.notes:
            console.print(f"[yellow]{escape(note)}[/yellow]")

    run_command(body)


@secrets_app.command("list")
def list_secrets(
    project_id: Annotated[str | None, typer.Argument(help="only this project's")] = None,
) -> None:
    """Names and handles (never values); a project's also shows what it still needs."""

    async def body(settings: Settings) -> None:
        if project_id is None:
            entries = await TenantSecrets.of(settings).list()
        else:
            async with project_services(settings) as services:
                entries = await SecretServices.of(services).list(project_id)
        if not entries:
            console.print("no secrets")
            return
        table = Table(title_justify="left")
        for column in ("name", "handle", "state"):
            table.add_column(column)
        for entry in entries:
            colour = "green" if entry.state == "set" else "yellow"
            table.add_row(entry.name, entry.handle, f"[{colour}]{entry.state}[/{colour}]")
        console.print(table)

    run_command(body)


@secrets_app.command("rm")
def remove_secret(target: Target, name: Name = None, tenant_wide: TenantWide = False) -> None:
    """Remove a secret's value; a project that needs it is asked again next time."""
    project_id, secret_name = _scope(target, name, tenant_wide)

    async def body(settings: Settings) -> None:
        if project_id is None:
            handle = await TenantSecrets.of(settings).remove(secret_name)
        else:
            async with project_services(settings) as services:
                handle = await SecretServices.of(services).remove(project_id, secret_name)
        console.print(f"removed {handle}")

    run_command(body)


def register(app: typer.Typer) -> None:
    app.add_typer(secrets_app, name="secrets")


@secrets_app.command("rotate-key")
def rotate_key() -> None:
    """Encrypt new workflow history with a new key; older keys are kept to read old history."""
    from adapters.secrets.factory import build_secret_store
    from adapters.secrets.history_keys import rotate_history_key

    async def body(settings: Settings) -> None:
        key_id = await asyncio.to_thread(rotate_history_key, build_secret_store(settings))
        console.print(
            f"history key [bold]{key_id}[/bold] is now current; running processes use it "
            "within seconds, and the older keys stay for decoding older history"
        )

    run_command(body)
