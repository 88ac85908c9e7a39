"""Two worker processes allocating ports at once never hand out one port twice."""

from __future__ import annotations

import asyncio
import json
import sys

from sqlmodel import select

from db.engine import SessionFactory, transaction
from db.models import Resource
from db.repositories import projects, tenants

PROJECTS_PER_WORKER = 15
START = 20000


async def _worker(database_url: str, end: int, project_ids: list[str]) -> dict[str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.db.port_worker",
        database_url,
        str(START),
        str(end),
        *project_ids,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    result: dict[str, str] = json.loads(out)
    return result


async def test_two_workers_allocating_at_once_never_share_a_port(
    database_url: str, sessions: SessionFactory
):
    async with transaction(sessions) as session:
        await tenants.ensure_tenant(session=session, tenant_id="acme")
        ids = [
            (await projects.create(session=session, tenant_id="acme", name=f"p{i}", idea="x")).id
            for i in range(2 * PROJECTS_PER_WORKER)
        ]
    # Exactly as many ports as projects: every one must be given out, none twice.
    end = START + len(ids) - 1
    halves = [ids[:PROJECTS_PER_WORKER], ids[PROJECTS_PER_WORKER:]]
    first, second = await asyncio.gather(*(_worker(database_url, end, h) for h in halves))

    given = {**first, **second}
    errors = {p: v for p, v in given.items() if v.startswith("error")}
    assert not errors, errors
    assert sorted(int(v) for v in given.values()) == list(range(START, end + 1))
    async with transaction(sessions) as session:
        rows = (await session.exec(select(Resource).where(Resource.kind == "port"))).all()
    assert {r.project_id: r.value for r in rows} == given
