"""Database fixtures: every DB test runs on SQLite and on PostgreSQL.

PostgreSQL is required when CI=true (the CI machine runs one at 127.0.0.1:5432); elsewhere
it runs whenever a server answers there.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from db.engine import SessionFactory, create_engine, session_factory
from db.migrate import upgrade_to_head

PG_ADMIN_DSN = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _create_pg_database() -> str:
    try:
        conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as err:
        message = f"PostgreSQL not reachable at {PG_ADMIN_DSN}: {err}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (required when CI=true)")
        pytest.skip(message)
    name = f"orchestrator_test_{uuid.uuid4().hex[:10]}"
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return name


async def _drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    name = await _create_pg_database()
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        await _drop_pg_database(name)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[SessionFactory]:
    """A migrated database (through Alembic, as production gets it)."""
    await asyncio.to_thread(upgrade_to_head, database_url)
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()
