"""Create tables directly (tests) — production and `make migrate` go through Alembic."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers the tables on the metadata)


async def create_all(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
