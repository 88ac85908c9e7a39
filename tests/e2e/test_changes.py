"""Change requests to a live project, for real: offline model, git forge, sandbox, ansible."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from core import changes as naming
from services.changes import ChangeServices
from services.inbox import InboxServices
from services.releases import ReleaseServices
from services.secrets import SecretServices
from tests.changes_helpers import change_ended, event_kinds, releases_of
from tests.stack import Stack
from worker.composition import build_worker


@pytest.mark.timeout(600)
async def test_queued_changes_run_in_order_and_a_failing_release_rolls_back(stack: Stack):
    changes = ChangeServices(stack.services)
    async with build_worker(stack.client, stack.settings, stack.sessions):
        project = await stack.services.submit("Weather bot with notifications")
        state = await stack.services.handle(project).result()
        assert state.status == "completed", state.error
        # Submitted back to back: the second waits for the first.
        first = await changes.submit(project.id, "Add an endpoint /stats that counts the items")
        second = await changes.submit(project.id, "Put /health into maintenance mode (503)")
        assert (first.number, second.number) == (1, 2)
        assert (first.status, second.status) == ("queued", "queued")
        live = await change_ended(stack, project.id, 1)
        broken = await change_ended(stack, project.id, 2)

    assert live.status == "live", live.message
    assert live.release_id and live.release_id.startswith("c1-")
    assert broken.status == "rolled_back", broken.message
    assert broken.release_id and broken.release_id.startswith("c2-")
    releases = await releases_of(stack, project.id)
    assert [r.status for r in releases] == ["healthy", "healthy", "rolled_back"]
    assert releases[0].release_id == state.release_id
    assert len({r.release_id for r in releases}) == 3
    assert releases[2].previous_release_id == live.release_id

    # Release 2 serves again: the new endpoint answers, health is fine, the old feature works.
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(f"{state.live_url}/health")).json() == {"status": "ok"}
        await http.post(f"{state.live_url}/weather", json={"city": "Oslo"})
        stats = await http.get(f"{state.live_url}/stats")
        assert stats.status_code == 200
        assert stats.json()["counts"] == {"weather": 1}

    kinds = await event_kinds(stack, project.id)
    assert kinds.index(("change_live", 1)) < kinds.index(("change_started", 2))
    assert ("change_rolled_back", 2) in kinds
    stored = await stack.services.get(project.id)
    assert stored.status == "completed" and stored.live_url == state.live_url


@pytest.mark.timeout(600)
async def test_a_change_needing_a_new_secret_asks_for_it_and_deploys_with_it(stack: Stack):
    changes, secrets = ChangeServices(stack.services), SecretServices.of(stack.services)
    inbox = InboxServices(stack.services)
    async with build_worker(stack.client, stack.settings, stack.sessions):
        project = await stack.services.submit("Weather bot with notifications")
        state = await stack.services.handle(project).result()
        assert state.status == "completed", state.error
        await changes.submit(project.id, "Add an endpoint /rates with today's exchange rates")
        async with asyncio.timeout(120):
            while not (items := await inbox.open_items(tenant_id=project.tenant_id)):
                await asyncio.sleep(0.3)
        [item] = items
        assert item.kind == "secret" and "EXCHANGE_RATES_API_KEY" in item.prompt
        readiness = await ReleaseServices(stack.services).readiness(project.id)
        assert [m.what for m in readiness.missing if m.check == "secrets"]  # nothing deploys yet
        stored = await secrets.put(project.id, "EXCHANGE_RATES_API_KEY", "rates-key-0123456789")
        assert stored.answered  # the change waiting for it was answered with the handle
        change = await change_ended(stack, project.id, 1)

    assert change.status == "live", change.message
    spec = (await stack.services.get(project.id)).spec or {}
    assert "EXCHANGE_RATES_API_KEY" in [s["name"] for s in spec["secrets"]]
    releases = await releases_of(stack, project.id)
    assert [r.status for r in releases] == ["healthy", "healthy"]
    env_files = list(stack.settings.releases_dir.glob("*/env/service.env"))
    assert [b"EXCHANGE_RATES_API_KEY=" in f.read_bytes() for f in env_files] == [True]


@pytest.mark.timeout(600)
async def test_a_cancelled_change_takes_back_the_secret_it_asked_for(stack: Stack):
    changes, inbox = ChangeServices(stack.services), InboxServices(stack.services)
    async with build_worker(stack.client, stack.settings, stack.sessions):
        project = await stack.services.submit("Weather bot with notifications")
        state = await stack.services.handle(project).result()
        assert state.status == "completed", state.error
        await changes.submit(project.id, "Add an endpoint /rates with today's exchange rates")
        async with asyncio.timeout(120):
            while not await inbox.open_items(tenant_id=project.tenant_id):
                await asyncio.sleep(0.3)
        # The owner drops the change instead of giving the key.
        await stack.client.get_workflow_handle(naming.change_workflow_id(project.id, 1)).cancel()
        change = await change_ended(stack, project.id, 1)

        assert change.status == "cancelled", change.message
        spec = (await stack.services.get(project.id)).spec or {}
        assert "EXCHANGE_RATES_API_KEY" not in [s["name"] for s in spec["secrets"]]
        # The live service never needed the key: nothing refuses a redeploy for it.
        readiness = await ReleaseServices(stack.services).readiness(project.id)
        assert readiness.ready, readiness.summary()
