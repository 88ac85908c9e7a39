"""Committed histories of real runs replay cleanly against the current workflow code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from workflows.change import ChangeWorkflow
from workflows.change_queue import ChangeQueueWorkflow
from workflows.developer import DeveloperWorkflow
from workflows.incident import IncidentWorkflow
from workflows.live_deploy import PipelineDeployWorkflow
from workflows.project import ProjectWorkflow
from workflows.release import ReleaseWorkflow
from workflows.rollback import RollbackWorkflow

WORKFLOWS = [
    ProjectWorkflow,
    DeveloperWorkflow,
    ChangeWorkflow,
    ChangeQueueWorkflow,
    PipelineDeployWorkflow,
    ReleaseWorkflow,
    RollbackWorkflow,
    IncidentWorkflow,
]

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
        "change_queue_two_changes",  # two changes queued, run one after the other
        "change_under_live_lock",  # a change whose deploy takes live-<project>
        "change_asks_for_secret",  # a change needing a secret the store lacks asks for it
        "change_secrets_stage",  # the same, asked in a zavhoz stage that escalates
        "pipeline_deploy",  # that deploy, the child under live-<project>
        "pipeline_deploy_checks_readiness",  # the same, checking readiness inside the lock
        "project_budget_stopped",  # a raise rejected: the developers still coding cancelled
        "release_redeploy",  # a person's redeploy of release 1
        "release_stop",
        "incident_retry",  # a service health_checker could not repair; the owner says retry
        "incident_retry_under_live_lock",  # the same, the retry run under live-<project>
    ],
)
async def test_committed_history_replays(name: str, history_codec: DataConverter):
    document = json.loads((HISTORIES / f"{name}.json").read_text())
    history = WorkflowHistory.from_json(document.pop("workflow_id"), document)
    # With the codec every worker has: histories recorded before it replay through it.
    replayer = Replayer(workflows=WORKFLOWS, data_converter=history_codec)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
