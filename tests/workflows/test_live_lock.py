"""The pipeline's deploy, an incident's answer and a person's command never touch one service
at once."""

from __future__ import annotations

import asyncio
import uuid

from temporalio import workflow
from temporalio.client import WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

with workflow.unsafe.imports_passed_through():  # the workflow sandbox re-imports this module
    import pytest

    from core.contracts import (
        HumanReply,
        IncidentInput,
        MissingItem,
        ProjectInput,
        ProjectState,
        ReleaseCommand,
    )
    from tests.workflows.stand_ins import StandIns
    from tests.workflows.test_humans import next_item, reply
    from workflows.incident import IncidentWorkflow
    from workflows.project import ProjectWorkflow
    from workflows.release import ReleaseWorkflow, live_workflow_id


@workflow.defn(name="ReleaseWorkflow")
class ManualChangeRunning:
    """A person's redeploy in progress under live-<project>, until the test lets it end."""

    def __init__(self) -> None:
        self._done = False

    @workflow.signal
    def finish(self) -> None:
        self._done = True

    @workflow.run
    async def run(self, command: ReleaseCommand) -> None:
        await workflow.wait_condition(lambda: self._done)


async def _until_called(stand_ins: StandIns, name: str) -> None:
    for _ in range(400):
        if name in stand_ins.calls:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"{name} was never called")


def _command(project_id: str) -> ReleaseCommand:
    return ReleaseCommand(project_id=project_id, tenant_id="t1", action="deploy")


async def _start_project(
    env: WorkflowEnvironment, queue: str, project_id: str
) -> WorkflowHandle[ProjectWorkflow, ProjectState]:
    return await env.client.start_workflow(
        ProjectWorkflow.run,
        ProjectInput(project_id=project_id, tenant_id="t1", idea="Weather bot"),
        id=f"project-{project_id}",
        task_queue=queue,
    )


async def test_the_first_deploy_waits_for_a_running_manual_deploy_then_goes_out(
    dev_env: WorkflowEnvironment,
):
    stand_ins = StandIns(tasks=("health",))
    queue, project_id = f"q-{uuid.uuid4()}", uuid.uuid4().hex[:12]
    manual_queue = f"{queue}-manual"
    async with Worker(dev_env.client, task_queue=manual_queue, workflows=[ManualChangeRunning]):
        manual = await dev_env.client.start_workflow(
            ManualChangeRunning.run,
            _command(project_id),
            id=live_workflow_id(project_id),
            task_queue=manual_queue,
        )
        async with stand_ins.worker(dev_env, queue):
            handle = await _start_project(dev_env, queue, project_id)
            await _until_called(stand_ins, "devops.main_head")
            await asyncio.sleep(2.5)  # past the first two waits for the lock
            assert "devops.deploy_release" not in stand_ins.calls

            await manual.signal(ManualChangeRunning.finish)
            state = await handle.result()

    assert state.status == "completed", state.error
    assert stand_ins.calls.count("devops.deploy_release") == 1


async def test_the_first_deploy_checks_readiness_again_once_it_holds_the_lock(
    dev_env: WorkflowEnvironment,
):
    stand_ins = StandIns(tasks=("health",))
    queue, project_id = f"q-{uuid.uuid4()}", uuid.uuid4().hex[:12]
    manual_queue = f"{queue}-manual"
    async with Worker(dev_env.client, task_queue=manual_queue, workflows=[ManualChangeRunning]):
        manual = await dev_env.client.start_workflow(
            ManualChangeRunning.run,
            _command(project_id),
            id=live_workflow_id(project_id),
            task_queue=manual_queue,
        )
        async with stand_ins.worker(dev_env, queue):
            handle = await _start_project(dev_env, queue, project_id)
            await _until_called(stand_ins, "devops.main_head")  # ready when the stage began
            # While the pipeline waited its turn, the token its service needs was removed.
            stand_ins.not_ready = [MissingItem("secrets", "BOT_TOKEN is not in the store")]
            await manual.signal(ManualChangeRunning.finish)
            escalation = await next_item(handle, "escalation")
            assert "not ready to deploy: secrets: BOT_TOKEN" in escalation.prompt
            assert "devops.deploy_release" not in stand_ins.calls

            stand_ins.not_ready = []  # the owner put it back
            await reply(handle, escalation, "retry")
            state = await handle.result()

    assert state.status == "completed", state.error
    assert stand_ins.calls.count("devops.deploy_release") == 1


async def test_a_manual_change_is_refused_while_the_pipeline_deploys(
    dev_env: WorkflowEnvironment,
):
    stand_ins = StandIns(tasks=("health",), deploy_seconds=2.0)
    queue, project_id = f"q-{uuid.uuid4()}", uuid.uuid4().hex[:12]
    async with stand_ins.worker(dev_env, queue):
        handle = await _start_project(dev_env, queue, project_id)
        await _until_called(stand_ins, "devops.deploy_release")
        with pytest.raises(WorkflowAlreadyStartedError):
            # How services/releases.py starts a person's deploy, rollback, stop or start.
            await dev_env.client.start_workflow(
                ReleaseWorkflow.run,
                _command(project_id),
                id=live_workflow_id(project_id),
                task_queue=queue,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        state = await handle.result()
    assert state.status == "completed", state.error


async def test_an_incidents_retry_waits_for_a_running_manual_change(
    dev_env: WorkflowEnvironment,
):
    stand_ins = StandIns()
    queue, project_id = f"q-{uuid.uuid4()}", uuid.uuid4().hex[:12]
    manual_queue = f"{queue}-manual"
    async with Worker(dev_env.client, task_queue=manual_queue, workflows=[ManualChangeRunning]):
        manual = await dev_env.client.start_workflow(
            ManualChangeRunning.run,
            _command(project_id),
            id=live_workflow_id(project_id),
            task_queue=manual_queue,
        )
        async with stand_ins.worker(dev_env, queue):
            incident = await dev_env.client.start_workflow(
                IncidentWorkflow.run,
                IncidentInput(project_id, "t1", "owner", "Release 2 stopped.", "", 2, "i1-"),
                id=f"incident-{project_id}",
                task_queue=queue,
            )
            while not (items := (await incident.query(IncidentWorkflow.status)).open_items()):
                await asyncio.sleep(0.05)
            await incident.execute_update(
                IncidentWorkflow.reply, HumanReply(items[0].id, "retry", user="owner")
            )
            await asyncio.sleep(2.5)  # past the first two waits for the lock
            assert "devops.rollback_release" not in stand_ins.calls

            await manual.signal(ManualChangeRunning.finish)
            outcome = await incident.result()

    assert outcome.startswith("retry of release 2: healthy")
    assert stand_ins.calls.count("devops.rollback_release") == 1
