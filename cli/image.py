"""`orchestrator image build`: the worker image for SANDBOX_KIND=docker, rebuilt only when
worker_image/ changes."""

from __future__ import annotations

import asyncio

import typer

from cli.runner import console, run_command
from core.settings import Settings

image_app = typer.Typer(no_args_is_help=True, help="The coding-worker container image.")


@image_app.command()
def build() -> None:
    """Build SANDBOX_DOCKER_IMAGE on the engine at DOCKER_HOST (base from debootstrap)."""

    async def body(settings: Settings) -> None:
        from adapters.sandbox.docker_engine import connect
        from adapters.sandbox.docker_image import ImageBuilder

        client = connect()
        builder = ImageBuilder(
            client,
            tag=settings.sandbox.docker_image,
            work_dir=settings.sandbox.docker_build_dir,
            say=lambda line: console.print(f"image: {line}"),
        )
        await asyncio.to_thread(builder.ensure)

    run_command(body)


def register(app: typer.Typer) -> None:
    app.add_typer(image_app, name="image")
