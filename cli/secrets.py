"""`orchestrator secrets ...`: values go into the store, only names and handles come out."""

from __future__ import annotations

import typer

secrets_app = typer.Typer(
    no_args_is_help=True,
    help="Secrets of projects and tenants (values are never shown) and the history keys.",
)


def register(app: typer.Typer) -> None:
    app.add_typer(secrets_app, name="secrets")
