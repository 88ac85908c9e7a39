"""Whose sandboxed command it is, from the activity that runs it: labels a sweeper reads."""

from __future__ import annotations

from temporalio import activity

from adapters.sandbox.base import SandboxOwner


def sandbox_owner(tenant_id: str, project_id: str, task: str) -> SandboxOwner:
    info = activity.info()
    return SandboxOwner(
        tenant=tenant_id,
        project=project_id,
        task=task,
        workflow_id=info.workflow_id or "",
        run_id=info.workflow_run_id or "",
    )
