"""Recording what happened to a project's releases: the row, which one serves, the event.

Shared by the deploy and service-control activities so every path writes the same shape.
"""

from __future__ import annotations

from typing import Any

from temporalio.exceptions import ApplicationError

from activities.context import ActivityContext
from adapters.deploy.base import ReleaseOutcome
from core.contracts import DeployResult
from core.vocabulary import ServingState
from db.engine import transaction
from db.models import Deployment
from db.repositories import deployments


def refuse(message: str, kind: str = "Conflict") -> ApplicationError:
    """Bad input or the wrong state: retrying cannot help, and the message is for a person."""
    return ApplicationError(message, type=kind, non_retryable=True)


async def serving_release(ctx: ActivityContext, tenant_id: str, project_id: str) -> Deployment:
    async with transaction(ctx.sessions) as session:
        row = await deployments.serving(session=session, tenant_id=tenant_id, project_id=project_id)
    if row is None:
        raise refuse(f"project '{project_id}' is not live: no release of it is running")
    return row


async def release_by_number(
    ctx: ActivityContext, tenant_id: str, project_id: str, number: int
) -> Deployment:
    try:
        async with transaction(ctx.sessions) as session:
            return await deployments.get_by_number(
                session=session, tenant_id=tenant_id, project_id=project_id, number=number
            )
    except Exception as err:  # NotFound, with its message for the person
        raise refuse(str(err), "NotFound") from None


async def mark_serving(
    ctx: ActivityContext, project_id: str, release_id: str | None, state: ServingState
) -> None:
    async with transaction(ctx.sessions) as session:
        await deployments.serve(
            session=session, project_id=project_id, release_id=release_id, state=state
        )


async def number_of(ctx: ActivityContext, project_id: str, release_id: str) -> int | None:
    async with transaction(ctx.sessions) as session:
        row = await deployments.find(session=session, project_id=project_id, release_id=release_id)
    return row.number if row else None


async def log_outcome(
    ctx: ActivityContext,
    tenant_id: str,
    project_id: str,
    kind: str,
    outcome: ReleaseOutcome,
    message: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """The event (and the project's live URL when the outcome serves)."""
    payload = {
        "release": outcome.release_id,
        "previous": outcome.previous_release_id,
        **(extra or {}),
    }
    if outcome.status == "healthy":
        await ctx.update_project(
            tenant_id,
            project_id,
            event=kind,
            message=message,
            payload=payload,
            live_url=outcome.url,
        )
    else:
        await ctx.record_event(tenant_id, project_id, kind, message, payload)


def result(outcome: ReleaseOutcome, number: int | None, message: str = "") -> DeployResult:
    return DeployResult(
        status=outcome.status,
        release_id=outcome.release_id,
        url=outcome.url,
        message=message or outcome.message,
        number=number,
    )
