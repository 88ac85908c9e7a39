"""Record the histories the replay tests check: `python -m tests.workflows.record_histories`.

Runs the real pipeline (offline model, git forge, sandbox, ansible) on a throwaway dev server
and saves each workflow's history as JSON. Re-record only on purpose: a history recorded by
the old code is what proves a change to workflow code is still compatible with running projects.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import uuid
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from adapters.deploy.ansible import AnsibleDeployer, find_playbooks_dir
from db.engine import create_engine, session_factory
from db.migrate import upgrade_to_head
from services.projects import ProjectServices
from tests.stack import stack_settings
from tests.temporal_env import DEV_SERVER, SEARCH_ATTRIBUTE_KEYS
from worker.composition import build_worker

HERE = Path(__file__).resolve().parent / "histories"


async def save(history: WorkflowHistory, name: str) -> None:
    # The id goes along: replay must issue the same child workflow ids the run did.
    document = {"workflow_id": history.workflow_id, **json.loads(history.to_json())}
    (HERE / f"{name}.json").write_text(json.dumps(document, indent=1))


async def record_full_run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = stack_settings(Path(tmp), f"record-{uuid.uuid4()}")
        await asyncio.to_thread(upgrade_to_head, settings.database_url)
        engine = create_engine(settings.database_url)
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(DEV_SERVER), search_attributes=SEARCH_ATTRIBUTE_KEYS
        )
        try:
            services = ProjectServices(settings, session_factory(engine), env.client)
            async with build_worker(env.client, settings, services.sessions):
                project = await services.submit("Weather bot with notifications")
                handle = services.handle(project)
                await handle.result()
                await save(await handle.fetch_history(), "project_full_run")
                child = env.client.get_workflow_handle(f"{handle.id}-task-weather-r1")
                await save(await child.fetch_history(), "developer_task")
        finally:
            deployer = AnsibleDeployer(
                releases_dir=settings.releases_dir, playbooks_dir=find_playbooks_dir()
            )
            for project_dir in settings.releases_dir.iterdir():
                await deployer.stop(project_slug=project_dir.name)
            await engine.dispose()
            await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record_full_run())
