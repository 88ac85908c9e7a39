"""What the change-request tests share: waiting for a change to end, and reading releases."""

from __future__ import annotations

import asyncio

from core.vocabulary import CHANGE_FINAL_STATUSES
from db.engine import transaction
from db.models import Change, Deployment
from db.repositories import deployments, events
from services.changes import ChangeServices
from tests.stack import Stack


async def change_ended(
    stack: Stack, project_id: str, number: int, timeout_s: float = 240
) -> Change:
    changes = ChangeServices(stack.services)
    async with asyncio.timeout(timeout_s):
        while True:
            change = await changes.get(project_id, number)
            if change.status in CHANGE_FINAL_STATUSES:
                return change
            await asyncio.sleep(0.3)


async def releases_of(stack: Stack, project_id: str) -> list[Deployment]:
    project = await stack.services.get(project_id)
    async with transaction(stack.sessions) as session:
        return await deployments.list_for_project(
            session=session, tenant_id=project.tenant_id, project_id=project.id
        )


async def event_kinds(stack: Stack, project_id: str) -> list[tuple[str, int | None]]:
    """(kind, change number) of every event, in order."""
    project = await stack.services.get(project_id)
    async with transaction(stack.sessions) as session:
        rows = await events.list_for_project(
            session=session, tenant_id=project.tenant_id, project_id=project.id
        )
    return [(e.kind, e.payload.get("change")) for e in rows]
