"""Brainstorm: turn the idea into a spec."""

from __future__ import annotations

from temporalio import activity

from activities.context import ActivityContext
from adapters.llm.base import ChatModel
from agents.prompts import brainstorm_messages
from agents.schemas import ProjectSpec
from agents.structured import ask_structured
from core.contracts import BrainstormResult, ProjectInput
from db.engine import transaction
from db.repositories import events, projects


class BrainstormActivities:
    def __init__(self, ctx: ActivityContext, model: ChatModel) -> None:
        self._ctx = ctx
        self._model = model

    @activity.defn(name="brainstorm.write_spec")
    async def write_spec(self, input: ProjectInput) -> BrainstormResult:
        project = await self._ctx.project(input.tenant_id, input.project_id)
        if project.spec:  # a retry after the spec was saved: don't pay the model twice
            spec = ProjectSpec.model_validate(project.spec)
            return BrainstormResult(spec.name, spec.title, self._model.label)
        spec, replies = await ask_structured(
            self._model, brainstorm_messages(input.idea), ProjectSpec
        )
        await self._ctx.record_usage(input.tenant_id, input.project_id, "brainstorm", replies)
        async with transaction(self._ctx.sessions) as session:
            project = await projects.get(
                session=session, tenant_id=input.tenant_id, project_id=input.project_id
            )
            await projects.update(
                session=session, project=project, spec=spec.model_dump(), name=spec.name
            )
            await events.append(
                session=session,
                tenant_id=input.tenant_id,
                project_id=input.project_id,
                kind="spec_written",
                message=spec.summary,
                payload={"model": self._model.label, "spec": spec.model_dump()},
            )
        return BrainstormResult(spec.name, spec.title, self._model.label)
