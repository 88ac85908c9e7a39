"""Brainstorm: turn the idea (and the owner's answers so far) into a spec."""

from __future__ import annotations

from temporalio import activity

from activities.context import ActivityContext
from adapters.llm.base import ChatModel
from agents.prompts import brainstorm_messages
from agents.schemas import ProjectSpec
from agents.structured import ask_structured
from core.contracts import BrainstormInput, BrainstormResult


class BrainstormActivities:
    def __init__(self, ctx: ActivityContext, model: ChatModel) -> None:
        self._ctx = ctx
        self._model = model

    @activity.defn(name="brainstorm.write_spec")
    async def write_spec(self, input: BrainstormInput) -> BrainstormResult:
        project = await self._ctx.project(input.tenant_id, input.project_id)
        if project.spec and project.config.get("spec_turn") == input.turn:
            # A retry after this turn's spec was saved: don't pay the model twice.
            return self._result(ProjectSpec.model_validate(project.spec))
        await self._ctx.ensure_budget(input.tenant_id, input.project_id)
        conversation = [(qa.question, qa.answer) for qa in input.conversation]
        async with self._ctx.paying(input.tenant_id, input.project_id, "brainstorm"):
            spec, replies = await ask_structured(
                self._model, brainstorm_messages(input.idea, conversation), ProjectSpec
            )
        await self._ctx.record_usage(input.tenant_id, input.project_id, "brainstorm", replies)
        await self._ctx.update_project(
            input.tenant_id,
            input.project_id,
            event="spec_written",
            message=f"turn {input.turn}: {spec.summary}",
            payload={"model": self._model.label, "spec": spec.model_dump()},
            config={"spec_turn": input.turn},
            spec=spec.model_dump(),
            name=spec.name,
        )
        return self._result(spec)

    def _result(self, spec: ProjectSpec) -> BrainstormResult:
        return BrainstormResult(
            spec_name=spec.name,
            title=spec.title,
            model_label=self._model.label,
            questions=spec.open_questions,
            summary=spec.summary,
        )
