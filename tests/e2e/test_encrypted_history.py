"""Workflow history as the Temporal server stores it holds no clear text of the idea or the
spec: read back raw (no codec) it is ciphertext; with the codec it decodes."""

from __future__ import annotations

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter

from core import search_attributes as sa
from core.codec import ENCODING
from core.contracts import ProjectInput, ProjectState
from tests.stack import Stack
from worker.composition import build_worker

IDEA = "Quokka weather station for the Rottnest lighthouse keepers"


def raw_bytes(history: WorkflowHistory) -> bytes:
    return b"".join(event.SerializeToString() for event in history.events)


def children(history: WorkflowHistory) -> list[str]:
    return [
        e.child_workflow_execution_started_event_attributes.workflow_execution.workflow_id
        for e in history.events
        if e.HasField("child_workflow_execution_started_event_attributes")
    ]


def started_input(history: WorkflowHistory) -> HistoryEvent:
    first = history.events[0]
    assert first.HasField("workflow_execution_started_event_attributes")
    return first


async def test_history_read_without_the_codec_holds_no_idea_or_spec(stack: Stack):
    async with build_worker(stack.client, stack.settings, stack.sessions):
        project = await stack.services.submit(IDEA)
        state = await stack.services.handle(project).result()
    assert state.status == "completed", state.error
    stored = await stack.services.get(project.id)
    spec = stored.spec
    assert spec is not None and IDEA in spec["title"]

    raw = Client(**{**stack.client.config(), "data_converter": DataConverter.default})
    history = await raw.get_workflow_handle(project.workflow_id).fetch_history()
    child_histories = [
        await raw.get_workflow_handle(child).fetch_history() for child in children(history)
    ]
    # Three developers, and the deploy run under the project's live lock.
    assert sorted("-task-" in child for child in children(history)) == [False, True, True, True]
    for each in [history, *child_histories]:
        stored_bytes = raw_bytes(each)
        assert ENCODING in stored_bytes
        for clear in (IDEA, spec["title"], spec["summary"], spec["feature"]["description"]):
            assert clear.encode() not in stored_bytes, f"{clear!r} in {each.workflow_id}"
        # Ids are not payloads: a developer's workflow id names its task, whose key comes from
        # the spec's resource word. Beyond the ids, not even that word is readable.
        without_ids = stored_bytes
        for child in children(history):
            without_ids = without_ids.replace(child.encode(), b"")
        assert b"quokka" not in without_ids.lower()

    # Search attributes are no payloads a codec sees: still readable, and only ids and stages.
    query = f'OrchestratorProjectId="{project.id}" AND WorkflowId="{project.workflow_id}"'
    [listed] = [wf async for wf in raw.list_workflows(query)]
    assert listed.typed_search_attributes.get(sa.PROJECT_ID) == project.id
    assert listed.typed_search_attributes.get(sa.STATUS) == "completed"

    # With the codec the very same stored history decodes.
    attributes = started_input(history).workflow_execution_started_event_attributes
    [decoded] = await stack.client.data_converter.decode(attributes.input.payloads, [ProjectInput])
    assert isinstance(decoded, ProjectInput) and decoded.idea == IDEA
    completed = history.events[-1].workflow_execution_completed_event_attributes
    [result] = await stack.client.data_converter.decode(completed.result.payloads, [ProjectState])
    assert result == state
