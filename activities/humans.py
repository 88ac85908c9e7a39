"""People in the loop: mirror inbox transitions into the DB and the event log; notify owners."""

from __future__ import annotations

from temporalio import activity

from activities.context import ActivityContext, once_key
from activities.delivery import delivered
from adapters.notify.base import Notifier
from core.contracts import InboxChange, Notification
from db.engine import transaction
from db.models import InboxEntry
from db.repositories import events, inbox

EVENT_KIND = {
    "opened": "{kind}_asked",
    "reminded": "{kind}_reminder",
    "answered": "{kind}_answered",
    "expired": "{kind}_expired",
    "rejected": "reply_rejected",
}


class HumanActivities:
    def __init__(self, ctx: ActivityContext, notifier: Notifier) -> None:
        self._ctx = ctx
        self._notifier = notifier

    @activity.defn(name="humans.record_inbox")
    async def record_inbox(self, change: InboxChange) -> None:
        item = change.item
        async with transaction(self._ctx.sessions) as session:
            await inbox.upsert(
                session=session,
                entry=InboxEntry(
                    id=item.id,
                    tenant_id=change.tenant_id,
                    project_id=change.project_id,
                    kind=item.kind,
                    stage=item.stage,
                    prompt=item.prompt,
                    context=item.context,
                    options=item.options,
                    task_key=item.task_key,
                    status=item.status,
                    choice=item.choice,
                    answer=item.answer,
                    answered_by=item.answered_by,
                    reminders=item.reminders,
                    # Where answers go: the project's workflow, or an incident's of its own.
                    workflow_id=activity.info().workflow_id,
                ),
            )
            await events.append(
                session=session,
                tenant_id=change.tenant_id,
                project_id=change.project_id,
                kind=EVENT_KIND[change.change].format(kind=item.kind),
                message=_describe(change),
                payload={"item": item.id, "choice": item.choice, "by": item.answered_by},
                once_key=once_key("inbox"),
            )
        if change.change in ("opened", "reminded"):
            how = (  # a secret item's prompt already says how to give it
                "" if item.kind == "secret" else f"\nanswer: orchestrator answer {item.id} …"
            )
            text = f"{_describe(change)}{how}"
            await delivered(self._notifier.inbox(change, text, key=once_key("notify")))

    @activity.defn(name="humans.notify_owner")
    async def notify_owner(self, note: Notification) -> None:
        await self._ctx.record_event(
            note.tenant_id, note.project_id, "notification", note.text, {"owner": note.owner}
        )
        await delivered(
            self._notifier.send(
                tenant_id=note.tenant_id,
                owner=note.owner,
                project_id=note.project_id,
                text=note.text,
                key=once_key("notify"),
            )
        )


def _describe(change: InboxChange) -> str:
    item = change.item
    if change.change == "opened":
        return f"[{item.id}] {item.kind}: {item.prompt}"
    if change.change == "reminded":
        return f"[{item.id}] still waiting ({change.note}): {item.prompt}"
    if change.change == "rejected":
        return change.note
    who = f" by {item.answered_by}" if item.answered_by else ""
    decision = f"{item.choice}: " if item.choice else ""
    return f"[{item.id}] {change.change}{who}: {decision}{item.answer}"
