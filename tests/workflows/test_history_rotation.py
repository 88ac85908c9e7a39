"""A history key rotated while a project runs: the project finishes, its history holds payloads
under both keys, and everything in it still decodes; the server never sees clear text."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowHandle
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from adapters.secrets.age_key import ensure_key
from adapters.secrets.history_keys import history_converter, rotate_history_key
from adapters.secrets.sops import SopsSecretStore
from core.codec import KEY_ID
from core.contracts import Gates, HumanReply, InboxItem, ProjectInput, ProjectState
from tests.workflows.stand_ins import StandIns
from worker.composition import heartbeat_options
from workflows.developer import DeveloperWorkflow
from workflows.live_deploy import PipelineDeployWorkflow
from workflows.project import ProjectWorkflow

IDEA = "Quokka census for the Rottnest lighthouse"


def process_client(env: WorkflowEnvironment, secrets_dir: Path) -> Client:
    """What a process started now on this data dir has: the keyring as the store holds it."""
    store = SopsSecretStore(secrets_dir, ensure_key(secrets_dir / "age.key"))
    return Client(**{**env.client.config(), "data_converter": history_converter(store)})


def worker(client: Client, queue: str, stand_ins: StandIns) -> Worker:
    # No workflow cache: each task replays the history so far, decoding every payload in it.
    return Worker(
        client,
        task_queue=queue,
        workflows=[ProjectWorkflow, DeveloperWorkflow, PipelineDeployWorkflow],
        activities=stand_ins.activities(),
        max_cached_workflows=0,
        **heartbeat_options(),
    )


async def spec_approval(handle: WorkflowHandle[ProjectWorkflow, ProjectState]) -> InboxItem:
    for _ in range(400):
        state = await handle.query(ProjectWorkflow.status)
        if items := [i for i in state.open_items() if i.kind == "approval"]:
            return items[0]
        await asyncio.sleep(0.025)
    raise AssertionError("the spec approval never opened")


def payloads_of(message: Message) -> list[Payload]:
    """Every Payload anywhere inside a history event."""
    if isinstance(message, Payload):
        return [message]
    found: list[Payload] = []
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            children = list(value.values())
        elif isinstance(value, Message):
            children = [value]
        else:  # a repeated field
            children = list(value)
        for child in children:
            if isinstance(child, Message):
                found += payloads_of(child)
    return found


async def test_a_project_spanning_a_key_rotation_finishes_and_all_its_history_decodes(
    dev_env: WorkflowEnvironment, tmp_path: Path
):
    secrets_dir, queue = tmp_path / "secrets", f"rotation-{uuid.uuid4()}"
    stand_ins = StandIns()
    before = process_client(dev_env, secrets_dir)
    async with worker(before, queue, stand_ins):
        handle = await before.start_workflow(
            ProjectWorkflow.run,
            ProjectInput(project_id="p1", tenant_id="t1", idea=IDEA, gates=Gates(spec=True)),
            id=f"project-{uuid.uuid4()}",
            task_queue=queue,
        )
        approval = await spec_approval(handle)

    assert rotate_history_key(SopsSecretStore(secrets_dir, secrets_dir / "age.key")) == (
        "HISTORY_KEY_2"
    )

    after = process_client(dev_env, secrets_dir)  # a worker started after the rotation
    async with worker(after, queue, stand_ins):
        resumed = after.get_workflow_handle_for(ProjectWorkflow.run, handle.id)
        await resumed.execute_update(
            ProjectWorkflow.reply, HumanReply(item_id=approval.id, choice="approve", user="owner")
        )
        state = await resumed.result()
    assert state.status == "completed", state.error

    raw = Client(**{**dev_env.client.config(), "data_converter": DataConverter.default})
    history = await raw.get_workflow_handle(handle.id).fetch_history()
    payloads = [p for event in history.events for p in payloads_of(event)]
    assert all(IDEA.encode() not in p.SerializeToString() for p in payloads)
    # Left clear by the SDK itself, and harmless: workflow.patched markers (patch ids) and
    # search attributes (ids, stages; the TemporalChangeVersion list of patch ids).
    clear = [p for p in payloads if KEY_ID not in p.metadata]
    assert all(
        "type" in p.metadata or set(json.loads(p.data)) == {"id", "deprecated"} for p in clear
    ), clear
    payloads = [p for p in payloads if KEY_ID in p.metadata]
    key_ids = {p.metadata[KEY_ID].decode() for p in payloads}
    assert key_ids == {"HISTORY_KEY_1", "HISTORY_KEY_2"}
    codec = process_client(dev_env, secrets_dir).data_converter.payload_codec
    assert codec is not None
    decoded = await codec.decode(payloads)
    assert not any(KEY_ID in p.metadata for p in decoded)
    assert any(IDEA.encode() in p.data for p in decoded)
