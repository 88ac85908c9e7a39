"""The human desk of a project: questions, approvals and escalations waiting for a person.

Deterministic workflow-side code: it keeps the inbox in the workflow state, validates
replies, and waits durably (with reminders and a timeout policy) for an answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeGuard, get_args

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core.contracts import HumanReply, InboxItem, MissingSecret, ProjectInput, ProjectState
    from core.vocabulary import (
        APPROVAL_CHOICES,
        ESCALATION_CHOICES,
        REVIEW_LOOP,
        InboxChangeKind,
        ReplyChoice,
        StageName,
    )

SKIPPABLE_STAGES = REVIEW_LOOP  # skipping tasks is fine; skipping a deploy is not

Recorder = Callable[[InboxItem, InboxChangeKind, str], Awaitable[None]]
# An item's own rule on replies (a budget approval needs an amount): why not, or None.
ReplyCheck = Callable[[HumanReply], str | None]


class HumanDesk:
    def __init__(
        self,
        input: ProjectInput,
        state: ProjectState,
        record: Recorder,
        *,
        scope: str = "",
        item_prefix: str = "",
    ) -> None:
        self._input = input
        self._state = state
        self._record = record
        # What item ids carry besides the kind and a count: the project id, or a change's
        # scope (core/changes.py), since a change's desk runs in a workflow of its own.
        self._scope = scope or input.project_id
        # Another desk of the same project (an incident's) numbers its items apart.
        self._item_prefix = item_prefix
        self._unrecorded_rejections: list[str] = []
        # Not state: the ask() waiting on the item puts its rule back here on replay.
        self._checks: dict[str, ReplyCheck] = {}

    # ---- replies (called from update validators and signal handlers) ------------------

    def problem_with(self, reply: HumanReply) -> str | None:
        """Why `reply` cannot be taken, in words for the person who sent it; None if it can."""
        if reply.project_id and reply.project_id != self._input.project_id:
            return f"this is project {self._input.project_id}, not {reply.project_id}"
        if reply.tenant_id and reply.tenant_id != self._input.tenant_id:
            return "this project belongs to another tenant"
        if self._input.owner and reply.user != self._input.owner:
            return f"only the project owner ({self._input.owner}) can answer"
        item = next((i for i in self._state.inbox if i.id == reply.item_id), None)
        if item is None:
            return f"project {self._input.project_id} has no question '{reply.item_id}'"
        if item.status != "open":
            return f"'{item.id}' is closed (it was {item.status})"
        if item.kind == "approval" and reply.choice not in APPROVAL_CHOICES:
            return "answer an approval with approve or reject"
        if item.kind == "escalation" and reply.choice not in item.options:
            return f"choose one of: {', '.join(item.options)}"
        if item.kind == "question" and not reply.text.strip():
            return "the answer is empty"
        if item.kind == "secret" and reply.text.strip() not in item.options:
            # Only `secrets set` answers these, with the handle: a value sent as an answer
            # would sit in history in clear text.
            name = item.options[0].rsplit("/", 1)[-1] if item.options else "NAME"
            return (
                f"'{item.id}' asks for a secret: give it with `orchestrator secrets set "
                f"{self._input.project_id} {name}` (read from a hidden prompt or stdin), "
                "not as an answer"
            )
        check = self._checks.get(item.id)
        return check(reply) if check else None

    def apply(self, reply: HumanReply) -> None:
        item = next(i for i in self._state.inbox if i.id == reply.item_id)
        # Approvals and escalations were checked by problem_with; a question's is text only.
        item.status, item.choice = "answered", reply.choice if _is_choice(reply.choice) else ""
        item.answer, item.answered_by = reply.text.strip(), reply.user

    def reject_queued(self, reply: HumanReply, problem: str) -> None:
        """A signal cannot answer its sender: keep the refusal visible instead."""
        note = f"reply to '{reply.item_id}' from {reply.user or 'someone'} refused: {problem}"
        self._state.rejected_replies.append(note)
        self._unrecorded_rejections.append(note)

    # ---- asking --------------------------------------------------------------------------

    async def question(self, prompt: str, stage: StageName) -> InboxItem:
        return await self.ask(InboxItem(id="", kind="question", prompt=prompt, stage=stage))

    async def approval(
        self,
        prompt: str,
        stage: StageName,
        context: str = "",
        task_key: str | None = None,
        check: ReplyCheck | None = None,
    ) -> InboxItem:
        item = InboxItem(id="", kind="approval", prompt=prompt, stage=stage, context=context)
        item.options, item.task_key = list(APPROVAL_CHOICES), task_key
        return await self.ask(item, check)

    async def escalation(self, prompt: str, stage: StageName, context: str = "") -> InboxItem:
        item = InboxItem(id="", kind="escalation", prompt=prompt, stage=stage, context=context)
        item.options = [c for c in ESCALATION_CHOICES if c != "skip" or stage in SKIPPABLE_STAGES]
        return await self.ask(item)

    async def secret(self, need: MissingSecret, stage: StageName) -> InboxItem:
        """Ask the owner for a credential; only its handle ever comes back."""
        project = self._input.project_id
        prompt = (
            f"The service needs {need.name} ({need.purpose}). Give it with "
            f"`orchestrator secrets set {project} {need.name}` (or PUT "
            f"/projects/{project}/secrets/{need.name}); the value is read hidden and never shown."
        )
        context = f"only the handle {need.handle} enters the project's history"
        item = InboxItem(id="", kind="secret", prompt=prompt, stage=stage, context=context)
        item.options = [need.handle]  # the one reply accepted
        return await self.ask(item)

    async def ask(self, item: InboxItem, check: ReplyCheck | None = None) -> InboxItem:
        """Open `item` and wait for a reply: reminders on a timer, the policy on timeout."""
        # Deterministic and unique across projects: the id people type in `answer`.
        number = f"{self._item_prefix}{len(self._state.inbox) + 1}"
        item.id = f"{item.kind[0]}-{self._scope}-{number}"
        if check is not None:
            self._checks[item.id] = check
        item.opened_at = workflow.now().isoformat(timespec="seconds")
        self._state.inbox.append(item)
        await self._record(item, "opened", "")
        policy = self._input.escalation
        deadline = workflow.now() + timedelta(seconds=policy.timeout_s)
        while item.status == "open":
            await self._record_rejections(item)
            remaining = (deadline - workflow.now()).total_seconds()
            if remaining <= 0:
                self._expire(item)
                break
            try:
                await workflow.wait_condition(
                    lambda: item.status != "open" or bool(self._unrecorded_rejections),
                    timeout=timedelta(seconds=min(policy.reminder_every_s, remaining)),
                )
            except TimeoutError:
                if workflow.now() >= deadline:
                    self._expire(item)
                    break
                item.reminders += 1
                await self._record(item, "reminded", f"reminder {item.reminders}")
        await self._record_rejections(item)
        await self._record(item, "expired" if item.status == "expired" else "answered", item.answer)
        return item

    def _expire(self, item: InboxItem) -> None:
        waited = _duration(self._input.escalation.timeout_s)
        item.status = "expired"
        if item.kind == "approval":
            item.choice, item.answer = "reject", f"no decision within {waited}"
        elif item.kind == "escalation":
            policy = self._input.escalation.on_timeout
            item.choice = policy if policy in item.options else "abort"
            item.answer = f"no answer within {waited}: applying the timeout policy"
        elif item.kind == "secret":
            item.answer = f"no secret given within {waited}"
        else:
            item.answer = f"(no answer within {waited}; proceed on your best judgement)"

    async def _record_rejections(self, item: InboxItem) -> None:
        while self._unrecorded_rejections:
            await self._record(item, "rejected", self._unrecorded_rejections.pop(0))


def _is_choice(value: str) -> TypeGuard[ReplyChoice]:
    return value in get_args(ReplyChoice)


def _duration(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400} day(s)"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} hour(s)"
    return f"{seconds} s"
