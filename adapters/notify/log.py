"""The embedded notifier: the owner reads notifications in the log and the event stream."""

from __future__ import annotations

import structlog

from core.contracts import InboxChange, ProgressUpdate

log = structlog.get_logger()


class LogNotifier:
    name = "log"

    async def send(
        self, *, tenant_id: str, owner: str, project_id: str, text: str, key: str | None = None
    ) -> None:
        log.info(
            "notify", tenant=tenant_id, owner=owner or "(anyone)", project=project_id, text=text
        )

    async def inbox(self, change: InboxChange, text: str, *, key: str | None = None) -> None:
        await self.send(
            tenant_id=change.tenant_id, owner="", project_id=change.project_id, text=text
        )

    async def progress(self, update: ProgressUpdate) -> None:
        return None  # record_progress has logged it and written the event already
