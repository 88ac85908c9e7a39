"""Architect: create the repository from the service template and split the work into tasks."""

from __future__ import annotations

from temporalio import activity

from activities.context import ActivityContext, once_key, save_planned_tasks
from activities.workspace import checkout
from adapters.forge import git
from adapters.forge.base import Forge, RepoInfo
from adapters.llm.base import ChatModel
from agents.prompts import architect_messages
from agents.scaffold import render_scaffold
from agents.schemas import TaskPlan
from agents.structured import ask_structured
from core.contracts import PlannedTask, PlanResult, ProjectRef, RepositoryResult
from db.engine import transaction
from db.repositories import events, tasks


class ArchitectActivities:
    def __init__(self, ctx: ActivityContext, model: ChatModel, forge: Forge) -> None:
        self._ctx = ctx
        self._model = model
        self._forge = forge

    @activity.defn(name="architect.create_repository")
    async def create_repository(self, ref: ProjectRef) -> RepositoryResult:
        spec = await self._ctx.spec(ref.tenant_id, ref.project_id)
        # The project id in the name keeps two projects with the same idea apart.
        name = f"{spec.name}-{ref.project_id[:6]}"
        repo = await self._forge.ensure_repository(
            owner=self._ctx.settings.forge.owner, name=name, description=spec.summary
        )
        # Saved the moment the repository exists: a project stuck later still names it.
        await self._ctx.update_project(
            ref.tenant_id,
            ref.project_id,
            event="repository_ready",
            message=repo.web_url,
            config={"repo_name": name, "repo_owner": repo.owner},
            repository_url=repo.web_url,
        )
        await self._push_scaffold(repo, render_scaffold(spec))
        return RepositoryResult(repository_url=repo.web_url)

    async def _push_scaffold(self, repo: RepoInfo, files: dict[str, str]) -> None:
        root = self._ctx.settings.workspaces_dir
        async with checkout(root, repo, "scaffold", forge=self._forge) as ws:
            if (ws.tree / "server.py").exists():  # pushed before a crash: nothing to redo
                return
            for relative, content in files.items():
                target = ws.tree / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(content)
            await git.commit_all(ws.repo, "Scaffold from the python-http-service template")
            await ws.push(repo.default_branch)

    @activity.defn(name="architect.plan_tasks")
    async def plan_tasks(self, ref: ProjectRef) -> PlanResult:
        async with transaction(self._ctx.sessions) as session:
            existing = await tasks.list_for_project(
                session=session, tenant_id=ref.tenant_id, project_id=ref.project_id
            )
        if existing:  # planned before a crash: the plan is not redone
            return PlanResult([PlannedTask(t.key, t.title) for t in existing])
        await self._ctx.ensure_budget(ref.tenant_id, ref.project_id)
        spec = await self._ctx.spec(ref.tenant_id, ref.project_id)
        async with self._ctx.paying(ref.tenant_id, ref.project_id, "architect"):
            plan, replies = await ask_structured(self._model, architect_messages(spec), TaskPlan)
        await self._ctx.record_usage(ref.tenant_id, ref.project_id, "architect", replies)
        async with transaction(self._ctx.sessions) as session:
            await save_planned_tasks(session, ref.tenant_id, ref.project_id, plan.tasks)
            await events.append(
                session=session,
                tenant_id=ref.tenant_id,
                project_id=ref.project_id,
                kind="tasks_planned",
                message=", ".join(t.key for t in plan.tasks),
                payload={"tasks": [t.model_dump() for t in plan.tasks]},
                once_key=once_key("tasks_planned"),
            )
        return PlanResult([PlannedTask(t.key, t.title) for t in plan.tasks])
