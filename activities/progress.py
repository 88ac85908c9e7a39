"""Mirror workflow transitions into the database: the project row and the event log."""

from __future__ import annotations

from dataclasses import asdict

from temporalio import activity

from activities.context import ActivityContext
from core.contracts import ProgressUpdate
from db.engine import transaction
from db.repositories import events, projects


class ProgressActivities:
    def __init__(self, ctx: ActivityContext) -> None:
        self._ctx = ctx

    @activity.defn(name="record_progress")
    async def record_progress(self, update: ProgressUpdate) -> None:
        async with transaction(self._ctx.sessions) as session:
            project = await projects.get(
                session=session, tenant_id=update.tenant_id, project_id=update.project_id
            )
            await projects.update(
                session=session,
                project=project,
                stage=update.stage,
                status=update.status,
                stages=events.json_safe([asdict(s) for s in update.stages]),
                live_url=update.live_url or project.live_url,
                error=update.error,
            )
            await events.append(
                session=session,
                tenant_id=update.tenant_id,
                project_id=update.project_id,
                kind=update.kind,
                message=update.message,
                payload={"stage": update.stage, "status": update.status},
            )
        activity.logger.info("%s: %s", update.kind, update.message)
