"""Repositories against migrated SQLite and PostgreSQL databases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import PurePosixPath

import pytest
from sqlalchemy import inspect
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers every table on the metadata)
from core.errors import NotFound
from db.engine import SessionFactory, create_engine, transaction
from db.repositories import deployments, events, projects, resources, tasks, tenants


async def new_project(sessions: SessionFactory, tenant: str = "acme") -> str:
    async with transaction(sessions) as session:
        await tenants.ensure_tenant(session=session, tenant_id=tenant)
        project = await projects.create(session=session, tenant_id=tenant, name="w", idea="Weather")
        return project.id


async def test_migrations_create_every_table(database_url: str, sessions: SessionFactory):
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    # The models are the truth: a table added without a migration (or left behind) shows here.
    assert names - {"alembic_version"} == set(SQLModel.metadata.tables)


async def test_a_project_is_invisible_to_other_tenants(sessions: SessionFactory):
    project_id = await new_project(sessions, tenant="acme")
    async with transaction(sessions) as session:
        await tenants.ensure_tenant(session=session, tenant_id="other")
        assert (await projects.get(session=session, tenant_id="acme", project_id=project_id)).id
        with pytest.raises(NotFound):
            await projects.get(session=session, tenant_id="other", project_id=project_id)
        assert await projects.list_for_tenant(session=session, tenant_id="other") == []


async def test_events_store_payloads_that_are_not_json_natively(sessions: SessionFactory):
    project_id = await new_project(sessions)
    when = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    async with transaction(sessions) as session:
        await events.append(
            session=session,
            tenant_id="acme",
            project_id=project_id,
            kind="odd",
            payload={"when": when, "path": PurePosixPath("/x"), "ids": {1}},
        )
    async with transaction(sessions) as session:
        [event] = await events.list_for_project(
            session=session, tenant_id="acme", project_id=project_id
        )
    assert event.payload == {"when": "2026-11-26T10:00:00Z", "path": "/x", "ids": [1]}


async def test_an_event_with_a_once_key_is_written_once_however_often_it_is_appended(
    sessions: SessionFactory,
):
    project_id = await new_project(sessions)
    for attempt in (1, 2, 3):  # an activity retried after its commit, before its completion
        async with transaction(sessions) as session:
            await events.append(
                session=session,
                tenant_id="acme",
                project_id=project_id,
                kind="pull_request_merged",
                message=f"attempt {attempt}",
                once_key="run-1/7/pull_request_merged",
            )
        async with transaction(sessions) as session:  # events without a key stay plain appends
            await events.append(
                session=session, tenant_id="acme", project_id=project_id, kind="note"
            )
    async with transaction(sessions) as session:
        rows = await events.list_for_project(
            session=session, tenant_id="acme", project_id=project_id
        )
    assert [(e.kind, e.message) for e in rows if e.kind != "note"] == [
        ("pull_request_merged", "attempt 1")
    ]
    assert sum(e.kind == "note" for e in rows) == 3


async def test_port_allocation_is_stable_per_project_and_unique_across_projects(
    sessions: SessionFactory,
):
    first, second = await new_project(sessions), await new_project(sessions)
    async with transaction(sessions) as session:
        a = await resources.allocate_port(
            session=session, tenant_id="acme", project_id=first, start=18000, end=18001
        )
    async with transaction(sessions) as session:
        again = await resources.allocate_port(
            session=session, tenant_id="acme", project_id=first, start=18000, end=18001
        )
        b = await resources.allocate_port(
            session=session, tenant_id="acme", project_id=second, start=18000, end=18001
        )
    assert a.value == again.value
    assert {a.value, b.value} == {"18000", "18001"}
    third = await new_project(sessions)
    async with transaction(sessions) as session:
        with pytest.raises(resources.NoFreeResource, match="no free port in 18000-18001"):
            await resources.allocate_port(
                session=session, tenant_id="acme", project_id=third, start=18000, end=18001
            )


async def test_retried_plans_and_deploys_do_not_duplicate_rows(sessions: SessionFactory):
    project_id = await new_project(sessions)
    for _ in range(2):
        async with transaction(sessions) as session:
            await tasks.upsert(
                session=session,
                tenant_id="acme",
                project_id=project_id,
                key="health",
                title="Health",
                description="GET /health",
                files=["routes/health.py"],
            )
            await deployments.record(
                session=session,
                tenant_id="acme",
                project_id=project_id,
                release_id="r1-abc",
                commit="abc",
                status="healthy",
                url="http://127.0.0.1:18000",
                previous_release_id=None,
                message="ok",
            )
    async with transaction(sessions) as session:
        assert (
            len(
                await tasks.list_for_project(
                    session=session, tenant_id="acme", project_id=project_id
                )
            )
            == 1
        )
        assert (
            len(
                await deployments.list_for_project(
                    session=session, tenant_id="acme", project_id=project_id
                )
            )
            == 1
        )


async def test_port_allocation_skips_ports_something_else_holds(sessions: SessionFactory):
    project_id = await new_project(sessions)
    async with transaction(sessions) as session:
        port = await resources.allocate_port(
            session=session,
            tenant_id="acme",
            project_id=project_id,
            start=18000,
            end=18002,
            usable=lambda p: p != 18000,  # e.g. a service we did not start listens there
        )
    assert port.value == "18001"
