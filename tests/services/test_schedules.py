"""github_sync's schedule: one per installation, however often the stack starts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio.client import ScheduleIntervalSpec

from core.settings import ForgeSettings
from services.schedules.forge_sync import ensure_forge_sync_schedule
from tests.stack import Stack


async def test_the_schedule_is_registered_once_and_follows_the_interval_setting(stack: Stack):
    settings = stack.settings
    ids = [await ensure_forge_sync_schedule(stack.client, settings) for _ in range(3)]
    slower = settings.model_copy(update={"forge": ForgeSettings(sync_interval_s=300)})
    try:
        ids.append(await ensure_forge_sync_schedule(stack.client, slower))
        assert len(set(ids)) == 1
        async with asyncio.timeout(20):  # the list is eventually consistent
            while not (listed := await schedules_named(stack, ids[0])):
                await asyncio.sleep(0.5)
        assert listed == ids[:1]
        described = await stack.client.get_schedule_handle(ids[0]).describe()
        assert described.schedule.spec.intervals == [
            ScheduleIntervalSpec(every=timedelta(seconds=300))
        ]
        assert settings.temporal.task_queue in ids[0]
    finally:
        await stack.client.get_schedule_handle(ids[0]).delete()


async def schedules_named(stack: Stack, schedule_id: str) -> list[str]:
    return [s.id async for s in await stack.client.list_schedules() if s.id == schedule_id]
