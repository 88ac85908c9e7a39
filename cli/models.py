"""`orchestrator models list|show|set|reset`: which model answers each role."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cli.context import project_services
from cli.runner import console, run_command
from core.model_configs import PRESETS, ModelConfig
from core.settings import Settings
from core.vocabulary import MODEL_PROVIDERS, MODEL_ROLES
from services.models import ModelChange, ModelServices

models_app = typer.Typer(
    no_args_is_help=True,
    help=f"The model of each role ({', '.join(MODEL_ROLES)}); a change applies to the next call.",
)

RoleArg = Annotated[str, typer.Argument(help=f"one of {', '.join(MODEL_ROLES)}")]


def _table(configs: list[ModelConfig]) -> Table:
    # Fits 80 columns: the rarely set fields share one column, and only when one is set.
    table = Table(title_justify="left")
    for column in ("role", "provider", "model", "API key"):
        table.add_column(column, no_wrap=True)
    table.add_column("options", overflow="fold")
    for c in configs:
        options = [
            "from the settings (LLM_*)" if c.source == "settings" else "",
            f"base URL {c.base_url}" if c.base_url else "",
            "" if c.temperature is None else f"temperature {c.temperature}",
            "" if c.max_tokens is None else f"max tokens {c.max_tokens}",
            f"prompts {c.prompt_version}",
        ]
        table.add_row(
            c.role,
            c.provider,
            c.model if c.provider != "offline" else "",
            # The name people stored it under; the API gives the whole handle.
            _secret_name(c.api_key_handle) or ("LLM_API_KEY" if c.provider != "offline" else ""),
            ", ".join(o for o in options if o),
        )
    return table


@models_app.command("list")
def list_models() -> None:
    """Every role's model (`from`: db when set here, settings for the LLM_* default)."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            configs = await ModelServices.of(services).list()
        console.print(_table(configs))
        console.print(f"presets: {', '.join(PRESETS)}")

    run_command(body)


@models_app.command("show")
def show(role: RoleArg) -> None:
    """One role's model."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            config = await ModelServices.of(services).show(role)
        console.print(_details(config))

    run_command(body)


@models_app.command("set")
def set_model(
    role: RoleArg,
    preset: Annotated[
        str, typer.Argument(help=f"a preset: {', '.join(PRESETS)}; or give fields")
    ] = "",
    provider: Annotated[str, typer.Option(help=f"one of {', '.join(MODEL_PROVIDERS)}")] = "",
    model: Annotated[str, typer.Option(help="the provider's model name")] = "",
    base_url: Annotated[
        str | None, typer.Option(help="the endpoint (vLLM, Ollama, a proxy); '' clears")
    ] = None,
    api_key_secret: Annotated[
        str | None, typer.Option(help="the key's handle, e.g. secret://_/OPENAI_API_KEY")
    ] = None,
    temperature: Annotated[float | None, typer.Option(help="0-2")] = None,
    max_tokens: Annotated[int | None, typer.Option(help="answer length limit")] = None,
    prompt_version: Annotated[str | None, typer.Option(help="e.g. v1")] = None,
) -> None:
    """Set a role's model from a preset, fields, or both (fields override the preset)."""

    async def body(settings: Settings) -> None:
        change = ModelChange(
            preset=preset,
            provider=provider,
            model=model,
            base_url=base_url,
            api_key_secret=api_key_secret,
            temperature=temperature,
            max_tokens=max_tokens,
            prompt_version=prompt_version,
        )
        async with project_services(settings) as services:
            config = await ModelServices.of(services).set(role, change)
        console.print(f"[green]set[/green] {role}: {config.label} (from its next call)")
        console.print(_table([config]))

    run_command(body)


@models_app.command("reset")
def reset(role: RoleArg) -> None:
    """Back to the LLM_* settings."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            config = await ModelServices.of(services).reset(role)
        console.print(f"{role}: back to the settings' {config.label}")

    run_command(body)


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")


def _secret_name(handle: str | None) -> str:
    return handle.rsplit("/", 1)[-1] if handle else ""


def _details(c: ModelConfig) -> Table:
    """Every field of one role's model, the whole key handle included."""
    table = Table(show_header=False, title=f"{c.role} model", title_justify="left")
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    rows = {
        "provider": c.provider,
        "model": c.model if c.provider != "offline" else "",
        "base URL": c.base_url,
        "API key": c.api_key_handle or ("LLM_API_KEY" if c.provider != "offline" else ""),
        "temperature": "" if c.temperature is None else str(c.temperature),
        "max tokens": "" if c.max_tokens is None else str(c.max_tokens),
        "prompts": c.prompt_version,
        "from": "the settings (LLM_*)" if c.source == "settings" else "the database",
    }
    for field, value in rows.items():
        table.add_row(field, value or "-")
    return table
