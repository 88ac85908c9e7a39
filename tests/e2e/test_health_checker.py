"""health_checker, as the Schedule `up` registers: a killed service is restarted; a release
that cannot come back is replaced by the previous one and the owner is asked what next."""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator

import pytest

from core.settings import Settings
from db.engine import transaction
from db.repositories import deployments
from services.inbox import InboxServices
from services.releases import ReleaseServices
from services.schedules.health import ensure_health_schedule, schedule_id
from tests.e2e.releases_helpers import (
    CRASHING_SERVER,
    event_kinds,
    eventually,
    health,
    live_project,
    release_root,
    service_pid,
)
from tests.stack import Stack
from worker.composition import build_worker


@pytest.fixture
async def watched(stack: Stack) -> AsyncIterator[Settings]:
    """The stack's settings with a 1 s health_checker, its Schedule registered (twice: the
    second start of a stack updates it) and deleted afterwards."""
    deploy = stack.settings.deploy.model_copy(
        update={"health_check_interval_s": 1.0, "health_failures": 2}
    )
    settings = stack.settings.model_copy(update={"deploy": deploy})
    await ensure_health_schedule(stack.client, settings)
    await ensure_health_schedule(stack.client, settings)
    yield settings
    await stack.client.get_schedule_handle(schedule_id(settings)).delete()


async def test_health_checker_restarts_a_killed_service_then_rolls_back_and_asks(
    stack: Stack, watched: Settings
):
    async with build_worker(stack.client, watched, stack.sessions):
        project = await live_project(stack)

        os.kill(service_pid(stack, project), signal.SIGKILL)
        await eventually(lambda: _has_event(stack, project, "service_restarted"), 90, "a restart")
        assert await health(project) == 200

        second = await ReleaseServices(stack.services).deploy(project.id)
        assert (second.status, second.number) == ("healthy", 2), second.message
        # Release 2 breaks on disk, then its process dies: a restart cannot help.
        (release_root(stack, project) / "releases" / second.release_id / "server.py").write_text(
            CRASHING_SERVER
        )
        os.kill(service_pid(stack, project), signal.SIGKILL)
        inbox = InboxServices(stack.services)

        async def asked() -> bool:
            return bool(await inbox.open_items(project_id=project.id))

        await eventually(asked, 120, "an incident in the owner's inbox")
        [item] = await inbox.open_items(project_id=project.id)
        assert item.kind == "escalation" and (item.workflow_id or "").startswith("incident-")
        assert "Release 2 stopped answering" in item.prompt
        assert "Release 1 serves again" in item.prompt
        assert await health(project) == 200
        async with transaction(stack.sessions) as session:
            serving = await deployments.serving(
                session=session, tenant_id=project.tenant_id, project_id=project.id
            )
        assert serving is not None and serving.number == 1

        answer = await inbox.answer(item.id, choice="instruct", text="keep 1, I will fix 2")
        assert not answer.queued
        await eventually(
            lambda: _has_event(stack, project, "escalation_answered"), 30, "the answer recorded"
        )

    kinds = await event_kinds(stack, project)
    assert "service_restart_failed" in kinds and "rollback_healthy" in kinds
    assert await health(project) == 200


async def _has_event(stack: Stack, project: object, kind: str) -> bool:
    return kind in await event_kinds(stack, project)  # type: ignore[arg-type]
