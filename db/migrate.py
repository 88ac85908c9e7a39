"""Run Alembic migrations programmatically (`make migrate`, `orchestrator up`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade_to_head(url: str) -> None:
    """Blocking (Alembic's env runs its own event loop): from async code use to_thread."""
    command.upgrade(alembic_config(url), "head")
