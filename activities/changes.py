"""A change request to a live project: its spec delta, its plan, and its row kept current."""

from __future__ import annotations

from dataclasses import asdict

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity

from activities.context import ActivityContext, once_key, save_planned_tasks
from activities.workspace import checkout
from adapters.forge import git
from adapters.forge.base import Forge
from adapters.llm.base import ChatModel
from agents.change_prompts import change_plan_messages, change_spec_messages
from agents.prompts import ChangeBrief
from agents.schemas import ChangeSpec, ProjectSpec, TaskPlan
from agents.structured import ask_structured
from core import changes as naming
from core.contracts import (
    BrainstormResult,
    ChangeProgress,
    ChangeRef,
    ChangeSpecInput,
    ChangeStart,
    PlannedTask,
    PlanResult,
)
from core.errors import InvalidInput
from core.known_secrets import KNOWN_SECRETS
from db.engine import transaction
from db.models import Change
from db.repositories import changes, deployments, events, projects, resources, tasks

# A change ending so never shipped what it asked for (rolled_back: the release before serves).
NOT_SHIPPED: frozenset[str] = frozenset({"rolled_back", "failed", "cancelled"})


class ChangeActivities:
    def __init__(
        self, ctx: ActivityContext, model: ChatModel, forge: Forge, planner: ChatModel | None = None
    ) -> None:
        self._ctx = ctx
        self._model = model  # writes the change's spec, as brainstorm does a project's
        self._planner = planner or model  # plans its tasks, as the architect does
        self._forge = forge

    async def _change(self, ref: ChangeRef) -> Change:
        async with transaction(self._ctx.sessions) as session:
            return await changes.get(
                session=session,
                tenant_id=ref.tenant_id,
                project_id=ref.project_id,
                number=ref.number,
            )

    @activity.defn(name="changes.begin")
    async def begin(self, ref: ChangeRef) -> ChangeStart:
        """The port the release goes to and the release serving now, before anything moves."""
        port = await self._ctx.port(ref.tenant_id, ref.project_id)
        async with transaction(self._ctx.sessions) as session:
            releases = await deployments.list_for_project(
                session=session, tenant_id=ref.tenant_id, project_id=ref.project_id
            )
        serving = [r.release_id for r in releases if r.status == "healthy"]
        return ChangeStart(port=port, release_id=serving[-1] if serving else None)

    @activity.defn(name="changes.write_spec")
    async def write_spec(self, input: ChangeSpecInput) -> BrainstormResult:
        ref = ChangeRef(input.project_id, input.tenant_id, input.number)
        change = await self._change(ref)
        stored = change.spec_delta or {}
        if stored.get("turn") == input.turn:  # a retry after this turn was saved
            return self._result(ChangeSpec.model_validate(stored["spec"]))
        await self._ctx.ensure_budget(input.tenant_id, input.project_id)
        spec = await self._ctx.spec(input.tenant_id, input.project_id)
        conversation = [(qa.question, qa.answer) for qa in input.conversation]
        async with self._ctx.paying(input.tenant_id, input.project_id, "brainstorm"):
            delta, replies = await ask_structured(
                self._model, change_spec_messages(spec, change.text, conversation), ChangeSpec
            )
        await self._ctx.record_usage(input.tenant_id, input.project_id, "brainstorm", replies)
        async with transaction(self._ctx.sessions) as session:
            row = await changes.get(
                session=session,
                tenant_id=ref.tenant_id,
                project_id=ref.project_id,
                number=ref.number,
            )
            adopted: list[str] = []
            if not delta.open_questions:  # the final delta: what it needs joins the spec
                adopted = await _adopt_secrets(session, ref, delta)
            # `adopted` says what to take back if the change never ships.
            spec_delta = {"turn": input.turn, "spec": delta.model_dump(), "adopted": adopted}
            await changes.update(session=session, change=row, spec_delta=spec_delta)
            await events.append(
                session=session,
                tenant_id=input.tenant_id,
                project_id=input.project_id,
                kind="change_spec_written",
                message=KNOWN_SECRETS.replace(f"change #{input.number}: {delta.summary}"),
                payload={"change": input.number, "model": self._model.label},
                once_key=once_key("change_spec_written"),
            )
        return self._result(delta)

    def _result(self, delta: ChangeSpec) -> BrainstormResult:
        return BrainstormResult(
            spec_name=delta.title,
            title=delta.title,
            model_label=self._model.label,
            questions=delta.open_questions,
            summary=delta.summary,
        )

    @activity.defn(name="changes.plan_tasks")
    async def plan_tasks(self, ref: ChangeRef) -> PlanResult:
        prefix = naming.task_key(ref.number, "")
        async with transaction(self._ctx.sessions) as session:
            existing = [
                t
                for t in await tasks.list_for_project(
                    session=session, tenant_id=ref.tenant_id, project_id=ref.project_id
                )
                if t.key.startswith(prefix)
            ]
        if existing:  # planned before a crash: the plan is not redone
            return PlanResult([PlannedTask(t.key, t.title) for t in existing])
        await self._ctx.ensure_budget(ref.tenant_id, ref.project_id)
        change = await self._change(ref)
        if not change.spec_delta:
            raise InvalidInput(f"change #{ref.number} has no spec delta yet")
        delta = ChangeSpec.model_validate(change.spec_delta["spec"])
        spec = await self._ctx.spec(ref.tenant_id, ref.project_id)
        files = await self._repository_files(ref)
        async with self._ctx.paying(ref.tenant_id, ref.project_id, "architect"):
            plan, replies = await ask_structured(
                self._planner, change_plan_messages(spec, change.text, delta, files), TaskPlan
            )
        await self._ctx.record_usage(ref.tenant_id, ref.project_id, "architect", replies)
        planned = [
            t.model_copy(update={"key": naming.task_key(ref.number, t.key)}) for t in plan.tasks
        ]
        async with transaction(self._ctx.sessions) as session:
            await save_planned_tasks(session, ref.tenant_id, ref.project_id, planned)
            await events.append(
                session=session,
                tenant_id=ref.tenant_id,
                project_id=ref.project_id,
                kind="change_tasks_planned",
                message=f"change #{ref.number}: " + ", ".join(t.key for t in planned),
                payload={"change": ref.number, "tasks": [t.model_dump() for t in planned]},
                once_key=once_key("change_tasks_planned"),
            )
        return PlanResult([PlannedTask(t.key, t.title) for t in planned])

    async def _repository_files(self, ref: ChangeRef) -> list[str]:
        """What main holds now: the change is planned against the live code, not the plan."""
        repo = await self._ctx.repository(self._forge, ref.tenant_id, ref.project_id)
        root = self._ctx.settings.workspaces_dir
        async with checkout(root, repo, f"plan-c{ref.number}", forge=self._forge) as ws:
            listed = await git.run("ls-files", repo=ws.repo)
        return sorted(line for line in listed.splitlines() if line.strip())

    @activity.defn(name="changes.record_progress")
    async def record_progress(self, update: ChangeProgress) -> None:
        ref = ChangeRef(update.project_id, update.tenant_id, update.number)
        async with transaction(self._ctx.sessions) as session:
            row = await changes.get(
                session=session,
                tenant_id=ref.tenant_id,
                project_id=ref.project_id,
                number=ref.number,
            )
            fields = {
                "status": update.status,
                "stage": update.stage,
                "stages": events.json_safe([asdict(s) for s in update.stages]),
                "message": KNOWN_SECRETS.replace(update.message),
                "workflow_id": activity.info().workflow_id,
            }
            if update.release_id:
                fields["release_id"] = update.release_id
            if update.status in NOT_SHIPPED:
                await _withdraw_secrets(session, ref, row)
            await changes.update(session=session, change=row, **fields)
            await events.append(
                session=session,
                tenant_id=ref.tenant_id,
                project_id=ref.project_id,
                kind=update.kind,
                message=KNOWN_SECRETS.replace(f"change #{update.number}: {update.message}"),
                payload={"change": update.number, "stage": update.stage, "status": update.status},
                once_key=once_key(update.kind),
            )
        activity.logger.info("%s: change #%d %s", update.kind, update.number, update.message)


async def change_brief(
    ctx: ActivityContext, tenant_id: str, project_id: str, key: str
) -> ChangeBrief | None:
    """The change a developer's task belongs to, for its prompt; None for the first build."""
    number = naming.change_of_task(key)
    if number is None:
        return None
    async with transaction(ctx.sessions) as session:
        change = await changes.get(
            session=session, tenant_id=tenant_id, project_id=project_id, number=number
        )
    delta = (change.spec_delta or {}).get("spec") or {}
    return ChangeBrief(number=number, text=change.text, requirements=delta.get("requirements", []))


async def _adopt_secrets(session: AsyncSession, ref: ChangeRef, delta: ChangeSpec) -> list[str]:
    """Secrets the change needs join the live spec, so Zavhoz asks the owner for them and
    readiness and the deploy know them; names already there stay as they are. Returns the
    names added."""
    project = await projects.get(
        session=session, tenant_id=ref.tenant_id, project_id=ref.project_id
    )
    spec = ProjectSpec.model_validate(project.spec)
    known = {s.name for s in spec.secrets}
    new = [need for need in delta.secrets if need.name not in known]
    if new:
        spec.secrets = [*spec.secrets, *new]
        await projects.update(session=session, project=project, spec=spec.model_dump())
    return [need.name for need in new]


async def _withdraw_secrets(session: AsyncSession, ref: ChangeRef, change: Change) -> None:
    """A change that ended without its release live takes back the secrets it added: the
    service never used them, so readiness must not refuse a redeploy or a rollback until the
    owner gives one. Idempotent: names already gone are skipped."""
    adopted = set((change.spec_delta or {}).get("adopted") or [])
    if not adopted:
        return
    project = await projects.get(
        session=session, tenant_id=ref.tenant_id, project_id=ref.project_id
    )
    spec = ProjectSpec.model_validate(project.spec)
    spec.secrets = [s for s in spec.secrets if s.name not in adopted]
    await projects.update(session=session, project=project, spec=spec.model_dump())
    for name in sorted(adopted):  # Zavhoz's handles for them, which readiness checks
        await resources.remove(
            session=session,
            tenant_id=ref.tenant_id,
            project_id=ref.project_id,
            kind="secret",
            name=name,
        )
