"""Committed histories of real runs replay cleanly against the current workflow code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from workflows.change import ChangeWorkflow
from workflows.developer import DeveloperWorkflow
from workflows.project import ProjectWorkflow

HISTORIES = Path(__file__).resolve().parent / "histories"


@pytest.mark.parametrize(
    "name",
    [
        "v1_project_full_run",  # recorded by the first release: upgrades must keep replaying it
        "v1_developer_task",
        "project_full_run",
        "developer_task",
        "project_questions_and_gates",
        "project_escalation",
        "project_cancelled",
        "project_secret_leak",  # a pull request blocked by the secret scan, then instructions
        "change_full_run",  # a change request: a question on its desk, a release live
        "project_budget_raised",  # developers stopped at a used-up budget, raised, run again
    ],
)
async def test_committed_history_replays(name: str, history_codec: DataConverter):
    document = json.loads((HISTORIES / f"{name}.json").read_text())
    history = WorkflowHistory.from_json(document.pop("workflow_id"), document)
    # With the codec every worker has: histories recorded before it replay through it.
    replayer = Replayer(
        workflows=[ProjectWorkflow, DeveloperWorkflow, ChangeWorkflow], data_converter=history_codec
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
