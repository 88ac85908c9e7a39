"""kill -9 of the worker mid-pipeline: a new worker finishes the project, side effects once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from db.engine import transaction
from db.repositories import deployments, pull_requests
from tests.stack import Stack


def start_worker(stack: Stack, log: Path) -> subprocess.Popen[bytes]:
    settings = stack.settings
    env = {
        **os.environ,
        "ORCHESTRATOR_HOME": str(settings.home),
        "TEMPORAL_ADDRESS": stack.client.service_client.config.target_host,
        "TEMPORAL_TASK_QUEUE": settings.temporal.task_queue,
        "DEPLOY_PORT_RANGE_START": str(settings.deploy.port_range_start),
        "DEPLOY_PORT_RANGE_END": str(settings.deploy.port_range_end),
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "worker"], env=env, stdout=out, stderr=out, cwd=Path.cwd()
        )


async def test_killed_worker_mid_development_is_replaced_and_nothing_is_done_twice(
    stack: Stack, tmp_path: Path
):
    log = tmp_path / "worker.log"
    first = start_worker(stack, log)
    second = None
    try:
        project = await stack.services.submit("Todo list with reminders")
        handle = stack.services.handle(project)
        # Kill the moment the developers are at work.
        for _ in range(600):
            state = await stack.services.live_state(project)
            if state and any(t.status == "developing" for t in state.tasks):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"developer stage never started; worker log:\n{log.read_text()}")
        first.send_signal(signal.SIGKILL)
        first.wait()

        second = start_worker(stack, log)
        state = await asyncio.wait_for(handle.result(), timeout=240)
        assert state.status == "completed", log.read_text()
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=15)

    stored = await stack.services.get(project.id)
    repos = list((stack.settings.forge_dir / stack.settings.forge.owner).iterdir())
    assert [r.name for r in repos] == [f"{stored.config['repo_name']}.git"]
    async with transaction(stack.sessions) as session:
        prs = await pull_requests.list_for_repo(
            session=session, repo=f"{stack.settings.forge.owner}/{stored.config['repo_name']}"
        )
        releases = await deployments.list_for_project(
            session=session, tenant_id=stored.tenant_id, project_id=project.id
        )
    assert sorted(p.branch for p in prs) == sorted(f"task/{t.key}" for t in state.tasks)
    assert [r.status for r in releases] == ["healthy"]
    release_dirs = list(
        (stack.settings.releases_dir / stored.config["repo_name"] / "releases").iterdir()
    )
    assert len(release_dirs) == 1
