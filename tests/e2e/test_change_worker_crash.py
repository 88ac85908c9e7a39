"""kill -9 of the worker during a change request: a new worker ends it with one new release."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from core import changes as naming
from db.engine import transaction
from db.repositories import pull_requests
from services.changes import ChangeServices
from tests.changes_helpers import change_ended, releases_of
from tests.e2e.test_worker_crash import start_worker
from tests.stack import Stack
from workflows.change import ChangeWorkflow


@pytest.mark.timeout(600)
async def test_killed_worker_mid_change_still_ends_with_exactly_one_new_release(
    stack: Stack, tmp_path: Path
):
    log = tmp_path / "worker.log"
    first = start_worker(stack, log)
    second = None
    try:
        project = await stack.services.submit("Todo list with reminders")
        state = await asyncio.wait_for(stack.services.handle(project).result(), timeout=300)
        assert state.status == "completed", log.read_text()
        change = await ChangeServices(stack.services).submit(project.id, "Add an endpoint /stats")
        handle = stack.client.get_workflow_handle_for(
            ChangeWorkflow.run, naming.change_workflow_id(project.id, change.number)
        )
        for _ in range(1200):  # kill the moment the change's developers are at work
            try:
                now = await handle.query(ChangeWorkflow.status)
            except Exception:  # noqa: BLE001 - not started yet
                now = None
            if now and any(t.status == "developing" for t in now.tasks):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"the change never reached development:\n{log.read_text()}")
        first.send_signal(signal.SIGKILL)
        first.wait()
        second = start_worker(stack, log)
        ended = await change_ended(stack, project.id, change.number, timeout_s=300)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=15)

    assert ended.status == "live", f"{ended.message}\n{log.read_text()}"
    releases = await releases_of(stack, project.id)
    assert [r.status for r in releases] == ["healthy", "healthy"]
    assert releases[1].release_id == ended.release_id
    stored = await stack.services.get(project.id)
    slug = stored.config["repo_name"]
    assert len(list((stack.settings.releases_dir / slug / "releases").iterdir())) == 2
    async with transaction(stack.sessions) as session:
        prs = await pull_requests.list_for_repo(
            session=session, repo=f"{stack.settings.forge.owner}/{slug}"
        )
    branches = [p.branch for p in prs]
    assert sorted(branches) == sorted(set(branches))  # one pull request per task, none twice
    assert "task/c1-stats" in branches
    assert all(p.state == "merged" for p in prs)
