"""Workflow code changes are guarded by patches, so running projects survive worker upgrades."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from core.contracts import Gates, HumanReply, ProjectInput
from tests.workflows.stand_ins import StandIns
from tests.workflows.versions import (
    ProjectWorkflowBeforeNotifications,
    ProjectWorkflowUnguardedNotifications,
)
from workflows.developer import DeveloperWorkflow
from workflows.project import ProjectWorkflow

HISTORIES = Path(__file__).resolve().parent / "histories"


def first_release_history() -> WorkflowHistory:
    document = json.loads((HISTORIES / "v1_project_full_run.json").read_text())
    return WorkflowHistory.from_json(document.pop("workflow_id"), document)


async def test_replay_catches_a_change_made_without_a_patch():
    replayer = Replayer(workflows=[ProjectWorkflowUnguardedNotifications, DeveloperWorkflow])
    result = await replayer.replay_workflow(first_release_history(), raise_on_replay_failure=False)
    assert result.replay_failure is not None
    assert "Nondeterminism" in str(result.replay_failure)


async def test_the_patched_code_replays_a_history_of_the_first_release():
    replayer = Replayer(workflows=[ProjectWorkflow, DeveloperWorkflow])
    result = await replayer.replay_workflow(first_release_history(), raise_on_replay_failure=False)
    assert result.replay_failure is None


async def test_a_run_started_on_the_old_code_finishes_on_the_patched_code(
    dev_env: WorkflowEnvironment,
):
    stand_ins = StandIns()
    queue = f"q-{uuid.uuid4()}"

    def worker(workflow_class: type[ProjectWorkflow]) -> Worker:
        # No cache: every task replays from history, as after an upgrade.
        return stand_ins.worker(dev_env, queue, workflow_class, max_cached_workflows=0)

    async with worker(ProjectWorkflowBeforeNotifications):
        handle = await dev_env.client.start_workflow(
            ProjectWorkflow.run,
            ProjectInput(project_id="p1", tenant_id="t1", idea="Weather", gates=Gates(deploy=True)),
            id=f"project-{uuid.uuid4()}",
            task_queue=queue,
        )
        # Wait for the gate's record, not the query: a query can answer from a workflow task
        # still in flight, whose state history does not hold until that task completes.
        while not stand_ins.opened("approval"):
            await asyncio.sleep(0.05)
    gate = stand_ins.opened("approval")[0].item

    async with worker(ProjectWorkflow):  # the upgrade
        await handle.execute_update(
            ProjectWorkflow.reply, HumanReply(item_id=gate.id, choice="approve", user="ann")
        )
        final = await handle.result()

    assert final.status == "completed"
    assert not any(n.startswith("Project accepted") for n in stand_ins.notifications)
