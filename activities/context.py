"""What activities share: database access, model-usage accounting, loading a project's spec."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from adapters.forge.base import Forge, RepoInfo
from adapters.llm.base import ModelReply
from agents.schemas import ProjectSpec
from core.errors import InvalidInput
from core.settings import Settings
from db.engine import SessionFactory, transaction
from db.models import Project
from db.repositories import projects, resources, usage


@dataclass(frozen=True)
class ActivityContext:
    settings: Settings
    sessions: SessionFactory

    async def project(self, tenant_id: str, project_id: str) -> Project:
        async with transaction(self.sessions) as session:
            return await projects.get(session=session, tenant_id=tenant_id, project_id=project_id)

    async def spec(self, tenant_id: str, project_id: str) -> ProjectSpec:
        project = await self.project(tenant_id, project_id)
        if not project.spec:
            raise InvalidInput(f"project '{project_id}' has no spec yet")
        return ProjectSpec.model_validate(project.spec)

    async def repository(self, forge: Forge, tenant_id: str, project_id: str) -> RepoInfo:
        """The project's repository; ensure_repository is idempotent, so this is a lookup."""
        project = await self.project(tenant_id, project_id)
        name = project.config.get("repo_name")
        if not name:
            raise InvalidInput(f"project '{project_id}' has no repository yet")
        return await forge.ensure_repository(
            owner=self.settings.forge.owner, name=name, description=project.name
        )

    async def port(self, tenant_id: str, project_id: str) -> int:
        async with transaction(self.sessions) as session:
            port = await resources.find(
                session=session,
                tenant_id=tenant_id,
                project_id=project_id,
                kind="port",
                name="http",
            )
        if port is None:
            raise InvalidInput(f"project '{project_id}' has no port allocated")
        return int(port.value)

    async def record_usage(
        self, tenant_id: str, project_id: str, agent: str, replies: Sequence[ModelReply]
    ) -> None:
        async with transaction(self.sessions) as session:
            for reply in replies:
                await usage.record(
                    session=session,
                    tenant_id=tenant_id,
                    project_id=project_id,
                    agent=agent,
                    model=reply.model,
                    prompt_tokens=reply.usage.prompt_tokens,
                    completion_tokens=reply.usage.completion_tokens,
                )
