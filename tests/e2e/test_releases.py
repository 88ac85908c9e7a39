"""Releases of a live project, for real: numbered releases, redeploy, rollback, stop/start."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.contracts import HealthCheckInput
from core.errors import Conflict, InvalidInput, NotFound
from services.live_check import check_live_services
from services.releases import ReleaseServices
from tests.e2e.releases_helpers import (
    CRASHING_SERVER,
    event_kinds,
    health,
    live_project,
    project_events,
    push_to_main,
)
from tests.stack import Stack
from worker.composition import build_worker
from workflows.health_check import HealthCheckWorkflow


async def test_releases_are_numbered_redeployed_rolled_back_stopped_and_started(stack: Stack):
    releases = ReleaseServices(stack.services)
    async with build_worker(stack.client, stack.settings, stack.sessions):
        project = await live_project(stack)
        [first] = await releases.list(project.id)
        assert (first.number, first.status, first.serving) == (1, "healthy", "live")
        assert first.requested_by == "owner" and len(first.commit) == 40

        second = await releases.deploy(project.id, user="alice")
        assert (second.status, second.number) == ("healthy", 2), second.message
        again = await releases.deploy(project.id, release=1, user="bob")
        assert (again.status, again.number) == ("healthy", 3), again.message
        rows = await releases.list(project.id)
        assert [(r.number, r.requested_by, r.serving) for r in rows] == [
            (1, "owner", ""),
            (2, "alice", ""),
            (3, "bob", "live"),
        ]
        assert rows[2].commit == rows[0].commit and rows[2].release_id != rows[0].release_id

        back = await releases.rollback(project.id, to=1)
        assert (back.status, back.number) == ("healthy", 1), back.message
        assert "to release 1" in back.message
        assert [r.serving for r in await releases.list(project.id)] == ["live", "", ""]
        assert await health(project) == 200

        stopped = await releases.stop(project.id)
        assert stopped.status == "stopped"
        assert await health(project) is None
        with pytest.raises(Conflict, match="already stopped"):
            await releases.stop(project.id)
        # What `orchestrator up` runs at every start leaves a stopped service alone.
        answers = await check_live_services(stack.sessions, health_path="/health")
        assert project.id not in answers
        # ... and so does health_checker: a stopped service is not "repaired".
        repaired = await stack.client.execute_workflow(
            HealthCheckWorkflow.run,
            HealthCheckInput(failures_allowed=1),
            id=f"health-{project.id}",
            task_queue=stack.settings.temporal.task_queue,
        )
        assert repaired == 0
        assert await health(project) is None

        started = await releases.start(project.id)
        assert (started.status, started.number) == ("healthy", 1), started.message
        assert await health(project) == 200

    kinds = await event_kinds(stack, project)
    for kind in ("deploy_healthy", "rollback_healthy", "service_stopped", "live_check_stopped"):
        assert kind in kinds
    assert "service_started" in kinds


async def test_a_release_failing_its_health_check_leaves_the_previous_one_serving(
    stack: Stack, tmp_path: Path
):
    releases = ReleaseServices(stack.services)
    async with build_worker(stack.client, stack.settings, stack.sessions):
        project = await live_project(stack)
        push_to_main(stack, project, tmp_path, CRASHING_SERVER)

        broken = await releases.deploy(project.id)

    assert (broken.status, broken.number) == ("rolled_back", 2)
    # Said in words: the task that failed, the service's own last words, what serves now.
    assert "Release 2: Release " in broken.message
    assert "did not become healthy" in broken.message
    assert "WEATHER_MODE is not set" in broken.message
    assert "Rolled back to release" in broken.message and "Traceback" not in broken.message
    rows = await releases.list(project.id)
    assert [(r.number, r.status, r.serving) for r in rows] == [
        (1, "healthy", "live"),
        (2, "rolled_back", ""),
    ]
    assert await health(project) == 200
    told = [e for e in await project_events(stack, project) if e.kind == "deploy_rolled_back"]
    assert len(told) == 1 and "WEATHER_MODE is not set" in told[0].message


async def test_bad_release_requests_are_refused_with_clear_messages(stack: Stack):
    releases = ReleaseServices(stack.services)
    async with build_worker(stack.client, stack.settings, stack.sessions):
        project = await live_project(stack, "Bookmark keeper with tags and search")

        with pytest.raises(NotFound, match="has no release 7 \\(its releases are 1 to 1\\)"):
            await releases.deploy(project.id, release=7)
        with pytest.raises(NotFound, match="has no release 4"):
            await releases.rollback(project.id, to=4)
        with pytest.raises(InvalidInput, match="start at 1"):
            await releases.rollback(project.id, to=0)
        with pytest.raises(Conflict, match="release 1 is already the one serving"):
            await releases.rollback(project.id, to=1)
        nothing = await releases.rollback(project.id)
        assert nothing.status == "failed"
        assert "nothing earlier to roll back to" in nothing.message
        with pytest.raises(NotFound, match="no project 'nope'"):
            await releases.stop("nope")

    other = await stack.services.submit("Recipe book with search")  # no worker: never deployed
    with pytest.raises(Conflict, match="is not live"):
        await releases.stop(other.id)
    with pytest.raises(Conflict, match="is not live"):
        await releases.start(other.id)
    with pytest.raises(Conflict, match="no releases yet"):
        await releases.rollback(other.id)
    assert await health(project) == 200
