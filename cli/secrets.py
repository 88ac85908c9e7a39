"""`orchestrator secrets ...`: values go into the store, only names and handles come out."""

from __future__ import annotations

import asyncio

import typer

from cli.runner import console, run_command
from core.settings import Settings

secrets_app = typer.Typer(
    no_args_is_help=True,
    help="Secrets of projects and tenants (values are never shown) and the history keys.",
)


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
