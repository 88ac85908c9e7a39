"""Mirror workflow transitions into the database: the project row and the event log."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from temporalio import activity

from activities.context import ActivityContext
from activities.delivery import delivered
from adapters.notify.base import Notifier
from core.contracts import ProgressUpdate
from db.repositories import events


class ProgressActivities:
    def __init__(self, ctx: ActivityContext, notifier: Notifier | None = None) -> None:
        self._ctx = ctx
        self._notifier = notifier

    @activity.defn(name="record_progress")
    async def record_progress(self, update: ProgressUpdate) -> None:
        fields: dict[str, Any] = {
            "stage": update.stage,
            "status": update.status,
            "stages": events.json_safe([asdict(s) for s in update.stages]),
            "error": update.error,
        }
        if update.live_url:  # a transition that knows no URL keeps the one a deploy recorded
            fields["live_url"] = update.live_url
        await self._ctx.update_project(
            update.tenant_id,
            update.project_id,
            event=update.kind,
            message=update.message,
            payload={"stage": update.stage, "status": update.status},
            **fields,
        )
        activity.logger.info("%s: %s", update.kind, update.message)
        if self._notifier is not None:  # after the DB write: the status shows what is stored
            await delivered(self._notifier.progress(update))
