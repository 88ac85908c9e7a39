"""Record the histories the replay tests check: `python -m tests.workflows.record_histories`.

Real runs (offline model, git forge, sandbox, ansible) for the plain pipeline and for one
with questions and gates; stand-in activities for an escalation, a cancellation, a pull
request blocked by the secret scan, a budget raise rejected, change requests (one, one
asking for a secret, a queue of two deploying under live-<project>), a person's redeploy and
stop, and an incident. All on a throwaway dev server. Re-record only on purpose, and never the
`v1_*` files: a history recorded by older code is what proves a change is still compatible with
running projects.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import uuid
from pathlib import Path

from temporalio.client import WorkflowHandle, WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from adapters.deploy.ansible import AnsibleDeployer, find_playbooks_dir
from core import changes as naming
from core.contracts import (
    ChangeInput,
    ChangeQueueInput,
    ChangeRequest,
    Gates,
    HumanReply,
    IncidentInput,
    MissingSecret,
    ProjectInput,
    ProjectState,
    ReleaseCommand,
    SecretLeak,
)
from db.engine import create_engine, session_factory
from db.migrate import upgrade_to_head
from services.projects import ProjectServices
from tests.stack import stack_settings
from tests.temporal_env import DEV_SERVER, SEARCH_ATTRIBUTE_KEYS
from tests.workflows.stand_ins import StandIns
from worker.composition import build_worker
from workflows.change import ChangeWorkflow
from workflows.change_queue import ChangeQueueWorkflow
from workflows.incident import IncidentWorkflow
from workflows.project import ProjectWorkflow
from workflows.release import ReleaseWorkflow, live_workflow_id

HERE = Path(__file__).resolve().parent / "histories"


async def save(history: WorkflowHistory, name: str) -> None:
    # The id goes along: replay must issue the same child workflow ids the run did.
    document = {"workflow_id": history.workflow_id, **json.loads(history.to_json())}
    (HERE / f"{name}.json").write_text(json.dumps(document, indent=1))


async def answer_everything(
    handle: WorkflowHandle[ProjectWorkflow, ProjectState], user: str
) -> None:
    """Play the owner: answer each question and approve each gate until the run ends."""
    while True:
        state = await handle.query(ProjectWorkflow.status)
        if state.status != "running":
            return
        for item in state.open_items():
            choice = "approve" if item.kind == "approval" else ""
            await handle.execute_update(
                ProjectWorkflow.reply,
                HumanReply(item_id=item.id, choice=choice, text="Families in Oslo", user=user),
            )
        await asyncio.sleep(0.1)


async def record_real_runs(env: WorkflowEnvironment) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = stack_settings(Path(tmp), f"record-{uuid.uuid4()}")
        await asyncio.to_thread(upgrade_to_head, settings.database_url)
        engine = create_engine(settings.database_url)
        try:
            services = ProjectServices(settings, session_factory(engine), env.client)
            async with build_worker(env.client, settings, services.sessions):
                project = await services.submit("Weather bot with notifications")
                handle = services.handle(project)
                await handle.result()
                await save(await handle.fetch_history(), "project_full_run")
                child = env.client.get_workflow_handle(f"{handle.id}-task-weather-r1")
                await save(await child.fetch_history(), "developer_task")

                project = await services.submit("Notes app", gates=Gates(spec=True, deploy=True))
                handle = services.handle(project)
                await answer_everything(handle, settings.user)
                await handle.result()
                await save(await handle.fetch_history(), "project_questions_and_gates")
        finally:
            deployer = AnsibleDeployer(
                releases_dir=settings.releases_dir, playbooks_dir=find_playbooks_dir()
            )
            for project_dir in settings.releases_dir.iterdir():
                await deployer.stop(project_slug=project_dir.name)
            await engine.dispose()


STAND_IN_RUNS = {
    "project_escalation": lambda: StandIns(always_reject={"index"}),
    "project_cancelled": lambda: StandIns(block_developers=True),
    "project_secret_leak": lambda: StandIns(
        leaks_once={"weather": SecretLeak("routes/weather.py", 12, "secret://p1/API_KEY")}
    ),
    # Three parallel developers find the budget used up; the owner raises it once.
    "project_budget_raised": lambda: StandIns(budget_stops={"developer.write_code": 3}),
}


async def record_stand_in_runs(env: WorkflowEnvironment) -> None:
    for name, make in STAND_IN_RUNS.items():
        await record_stand_in_run(env, name, make())


async def record_stand_in_run(env: WorkflowEnvironment, name: str, stand_ins: StandIns) -> None:
    """One run; on its own for a new scenario (the others stay as they were recorded):
    `python -c "import asyncio; from tests.workflows.record_histories import record_one;
    asyncio.run(record_one(NAME))"`."""
    queue = f"record-{uuid.uuid4()}"
    async with stand_ins.worker(env, queue):
        handle = await env.client.start_workflow(
            ProjectWorkflow.run,
            ProjectInput(project_id="p1", tenant_id="t1", idea="Weather bot"),
            id=f"project-{name}-{uuid.uuid4()}",
            task_queue=queue,
        )
        while True:
            state = await handle.query(ProjectWorkflow.status)
            if stand_ins.block_developers and any(
                c.startswith("developer.write_code") for c in stand_ins.calls
            ):
                await handle.cancel()
                break
            if escalations := [i for i in state.open_items() if i.kind == "escalation"]:
                stand_ins.always_reject = set()
                await handle.execute_update(
                    ProjectWorkflow.reply,
                    HumanReply(item_id=escalations[0].id, choice="instruct", text="lock it"),
                )
                break
            if budgets := [i for i in state.open_items() if "Budget reached" in i.prompt]:
                await handle.execute_update(
                    ProjectWorkflow.reply,
                    HumanReply(item_id=budgets[0].id, choice="approve", text="20"),
                )
                break
            await asyncio.sleep(0.05)
        try:
            await handle.result()
        except Exception:  # noqa: BLE001 - a cancelled run ends in an error, as it should
            pass
        await save(await handle.fetch_history(), name)


async def record_change_run(env: WorkflowEnvironment) -> None:
    """A change request: a question through its desk, one task, a release that goes live."""
    stand_ins = StandIns(tasks=("c1-stats",), questions=["Which counts?"])
    queue = f"record-{uuid.uuid4()}"
    async with stand_ins.worker(env, queue):
        handle = await env.client.start_workflow(
            ChangeWorkflow.run,
            ChangeInput(
                project=ProjectInput(project_id="p1", tenant_id="t1", idea="Weather bot"),
                change=ChangeRequest(1, "Add an endpoint /stats"),
            ),
            id=f"change-p1-1-{uuid.uuid4()}",
            task_queue=queue,
        )
        while not (items := (await handle.query(ChangeWorkflow.status)).open_items()):
            await asyncio.sleep(0.05)
        await handle.execute_update(
            ChangeWorkflow.reply, HumanReply(item_id=items[0].id, text="items per resource")
        )
        await handle.result()
        await save(await handle.fetch_history(), "change_full_run")


async def record_change_queue_run(env: WorkflowEnvironment) -> None:
    """Two queued changes, each deploying under live-<project>: the queue, the first change
    and its deploy child are saved."""
    stand_ins = StandIns(tasks=("c1-stats",))
    queue, project = f"record-{uuid.uuid4()}", ProjectInput("p2", "t1", "Weather bot")
    async with stand_ins.worker(env, queue):
        handle = await env.client.start_workflow(
            ChangeQueueWorkflow.run,
            ChangeQueueInput(project=project),
            id=naming.queue_workflow_id(project.project_id),
            task_queue=queue,
            start_signal="enqueue",
            start_signal_args=[ChangeRequest(1, "Add an endpoint /stats")],
        )
        await handle.signal(ChangeQueueWorkflow.enqueue, ChangeRequest(2, "Add /hello"))
        await handle.result()
        await save(await handle.fetch_history(), "change_queue_two_changes")
        change = env.client.get_workflow_handle(naming.change_workflow_id("p2", 2))
        await save(await change.fetch_history(), "change_under_live_lock")
        deploy = env.client.get_workflow_handle(live_workflow_id("p2"))  # the latest: change 2's
        await save(await deploy.fetch_history(), "pipeline_deploy")


async def record_change_secret_run(env: WorkflowEnvironment) -> None:
    """A change that needs a secret the store lacks: asked on its desk, answered by handle,
    in its zavhoz stage (`change_asks_for_secret` is the same, recorded before it was one)."""
    need = MissingSecret(
        "EXCHANGE_RATES_API_KEY", "exchange-rate provider API key", "secret://p5/X"
    )
    stand_ins = StandIns(tasks=("rates",), missing_secrets=[[need]])
    queue = f"record-{uuid.uuid4()}"
    async with stand_ins.worker(env, queue):
        handle = await env.client.start_workflow(
            ChangeWorkflow.run,
            ChangeInput(
                project=ProjectInput(project_id="p5", tenant_id="t1", idea="Weather bot"),
                change=ChangeRequest(1, "Add /rates with today's exchange rates"),
            ),
            id=naming.change_workflow_id("p5", 1),
            task_queue=queue,
        )
        while not (items := (await handle.query(ChangeWorkflow.status)).open_items()):
            await asyncio.sleep(0.05)
        await handle.execute_update(ChangeWorkflow.reply, HumanReply(items[0].id, text=need.handle))
        await handle.result()
        await save(await handle.fetch_history(), "change_secrets_stage")
        deploy = env.client.get_workflow_handle(live_workflow_id("p5"))
        await save(await deploy.fetch_history(), "pipeline_deploy_checks_readiness")


async def record_budget_stop_run(env: WorkflowEnvironment) -> None:
    """One developer finds the budget used up while two others code; the owner rejects the
    raise and the two are cancelled."""
    stand_ins = StandIns(budget_stops={"developer.write_code": 1}, block_developers=True)
    queue = f"record-{uuid.uuid4()}"
    async with stand_ins.worker(env, queue):
        handle = await env.client.start_workflow(
            ProjectWorkflow.run,
            ProjectInput("p6", "t1", "Weather bot", max_parallel_developers=3),
            id="project-p6",
            task_queue=queue,
        )
        while not (items := (await handle.query(ProjectWorkflow.status)).open_items()):
            await asyncio.sleep(0.05)
        await handle.execute_update(
            ProjectWorkflow.reply, HumanReply(items[0].id, "reject", "enough", user="owner")
        )
        try:
            await handle.result()
        except Exception:  # noqa: BLE001 - a stopped project ends in an error, as it should
            pass
        await save(await handle.fetch_history(), "project_budget_stopped")


async def record_release_runs(env: WorkflowEnvironment) -> None:
    """A person's redeploy of release 1 and a stop, as ReleaseWorkflow runs."""
    stand_ins = StandIns()
    queue = f"record-{uuid.uuid4()}"
    async with stand_ins.worker(env, queue):
        for name, command in {
            "release_redeploy": ReleaseCommand("p3", "t1", "deploy", 1, "owner"),
            "release_stop": ReleaseCommand("p3", "t1", "stop", requested_by="owner"),
        }.items():
            handle = await env.client.start_workflow(
                ReleaseWorkflow.run, command, id=live_workflow_id("p3"), task_queue=queue
            )
            await handle.result()
            await save(await handle.fetch_history(), name)


async def record_incident_run(env: WorkflowEnvironment) -> None:
    """A service health_checker could not repair; the owner answers retry, which runs under
    live-<project> (`incident_retry` is the same, recorded before it did)."""
    stand_ins = StandIns()
    queue = f"record-{uuid.uuid4()}"
    async with stand_ins.worker(env, queue):
        handle = await env.client.start_workflow(
            IncidentWorkflow.run,
            IncidentInput(
                project_id="p4",
                tenant_id="t1",
                owner="owner",
                prompt="Release 2 stopped answering and could not be restarted.",
                context="health check: connection refused",
                failed_release=2,
                item_prefix="i0123abcd-",
            ),
            id="incident-p4-0123abcd",
            task_queue=queue,
        )
        while not (items := (await handle.query(IncidentWorkflow.status)).open_items()):
            await asyncio.sleep(0.05)
        await handle.execute_update(
            IncidentWorkflow.reply, HumanReply(items[0].id, "retry", user="owner")
        )
        await handle.result()
        await save(await handle.fetch_history(), "incident_retry_under_live_lock")


LIVE_RUNS = {
    "change_full_run": record_change_run,
    "change_queue_two_changes": record_change_queue_run,
    "change_secrets_stage": record_change_secret_run,
    "project_budget_stopped": record_budget_stop_run,
    "release_redeploy": record_release_runs,
    "incident_retry_under_live_lock": record_incident_run,
}


async def record_one(name: str) -> None:
    env = await dev_server()
    try:
        if name in LIVE_RUNS:
            await LIVE_RUNS[name](env)
        else:
            await record_stand_in_run(env, name, STAND_IN_RUNS[name]())
    finally:
        await env.shutdown()


async def dev_server() -> WorkflowEnvironment:
    # No history codec here, on purpose: committed histories must replay anywhere, without
    # this run's keys; the codec passes payloads that are not encrypted through unchanged.
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(DEV_SERVER), search_attributes=SEARCH_ATTRIBUTE_KEYS
    )


async def main() -> None:
    env = await dev_server()
    try:
        await record_real_runs(env)
        await record_stand_in_runs(env)
        for record in LIVE_RUNS.values():
            await record(env)
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
