"""How long an idea takes to become a live service on the embedded defaults, stage by stage.

    .venv/bin/python -m bench.pipeline_latency [--ideas 3]

Starts a throwaway dev server and worker, runs the ideas one after another, prints a table
of stage durations (from the workflow's own stage records) and stops every deployed service.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from temporalio.testing import WorkflowEnvironment

from adapters.deploy.ansible import AnsibleDeployer, find_playbooks_dir
from adapters.secrets.factory import build_secret_store
from adapters.secrets.history_keys import history_converter
from core.contracts import ProjectState
from core.search_attributes import ALL_KEYS
from core.settings import DeploySettings, Settings, TemporalSettings
from core.vocabulary import STAGES
from db.engine import create_engine, session_factory
from db.migrate import upgrade_to_head
from services.projects import ProjectServices
from worker.composition import build_worker

IDEAS = ["Weather bot with notifications", "Recipe book with search", "Todo list with reminders"]


def stage_seconds(state: ProjectState) -> dict[str, float]:
    durations: dict[str, float] = {}
    for stage in state.stages:
        if stage.started_at and stage.finished_at:
            started = datetime.fromisoformat(stage.started_at)
            finished = datetime.fromisoformat(stage.finished_at)
            durations[stage.name] = (finished - started).total_seconds()
    return durations


async def main(count: int) -> None:
    console = Console()
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(
            home=Path(home),
            temporal=TemporalSettings(task_queue=f"bench-{uuid.uuid4()}"),
            deploy=DeploySettings(port_range_start=28000, port_range_end=28099),
        )
        await asyncio.to_thread(upgrade_to_head, settings.database_url)
        engine = create_engine(settings.database_url)
        env = await WorkflowEnvironment.start_local(
            data_converter=history_converter(build_secret_store(settings)),
            dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
            search_attributes=list(ALL_KEYS),
        )
        table = Table(title="seconds per stage (whole seconds, from workflow time)")
        for column in ("idea", *STAGES, "wall total"):
            table.add_column(column)
        try:
            services = ProjectServices(settings, session_factory(engine), env.client)
            async with build_worker(env.client, settings, services.sessions):
                for idea in (IDEAS * count)[:count]:
                    began = time.perf_counter()
                    project = await services.submit(idea)
                    state = await services.handle(project).result()
                    seconds = stage_seconds(state)
                    table.add_row(
                        idea,
                        *(f"{seconds.get(s, float('nan')):.0f}" for s in STAGES),
                        f"{time.perf_counter() - began:.1f}",
                    )
        finally:
            deployer = AnsibleDeployer(
                releases_dir=settings.releases_dir, playbooks_dir=find_playbooks_dir()
            )
            if settings.releases_dir.exists():
                for project_dir in settings.releases_dir.iterdir():
                    await deployer.stop(project_slug=project_dir.name)
            await engine.dispose()
            await env.shutdown()
        console.print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ideas", type=int, default=3)
    asyncio.run(main(parser.parse_args().ideas))
