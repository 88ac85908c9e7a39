"""The embedded notifier: the owner reads notifications in the log and the event stream."""

from __future__ import annotations

import structlog

log = structlog.get_logger()


class LogNotifier:
    name = "log"

    async def send(self, *, tenant_id: str, owner: str, project_id: str, text: str) -> None:
        log.info(
            "notify", tenant=tenant_id, owner=owner or "(anyone)", project=project_id, text=text
        )
