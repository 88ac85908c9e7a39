"""Migration 0006 numbers the releases recorded before it, and marks the one serving."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import text

from db.engine import create_engine
from db.migrate import alembic_config


async def test_releases_recorded_before_numbers_get_numbers_and_a_serving_one(database_url: str):
    config = alembic_config(database_url)
    await asyncio.to_thread(command.upgrade, config, "0005")  # the schema before releases
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO tenants (id, name, created_at) VALUES ('t', 't', CURRENT_TIMESTAMP)")
        )
        for project in ("a", "b"):
            await conn.execute(
                text(
                    "INSERT INTO projects (id, tenant_id, name, idea, status, stage, config, "
                    "stages, created_at, updated_at) VALUES (:id, 't', 'n', 'i', 'completed', "
                    "'devops', '{}', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": project},
            )
        rows = [
            ("a", "r1", "healthy"),
            ("b", "r1", "healthy"),
            ("a", "r2", "healthy"),
            ("a", "r3", "rolled_back"),
        ]
        for project, release, status in rows:
            await conn.execute(
                text(
                    # "commit" quoted: a keyword in SQLite.
                    'INSERT INTO deployments (tenant_id, project_id, release_id, "commit", '
                    "status, url, message, created_at) VALUES ('t', :p, :r, 'c', :s, '', '', "
                    "CURRENT_TIMESTAMP)"
                ),
                {"p": project, "r": release, "s": status},
            )
    await engine.dispose()

    await asyncio.to_thread(command.upgrade, config, "head")

    engine = create_engine(database_url)
    async with engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT project_id, release_id, number, serving, requested_by, failed_checks "
                "FROM deployments ORDER BY id"
            )
        )
        got = [tuple(row) for row in found]
    await engine.dispose()
    assert got == [
        ("a", "r1", 1, "", "", 0),
        ("b", "r1", 1, "live", "", 0),
        ("a", "r2", 2, "live", "", 0),
        ("a", "r3", 3, "", "", 0),
    ]
