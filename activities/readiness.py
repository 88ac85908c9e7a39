"""check_deploy_readiness: the one answer to "can this project be deployed now?".

The DevOps stage, ReleaseWorkflow, `orchestrator readiness` and the API all call this. Each
check is one named function from the project's facts to what it lacks; adding a check is
adding one function to CHECKS (the servers and DNS ones ask services/readiness_servers.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from adapters.secrets.base import SecretStore
from agents.schemas import ProjectSpec
from core.contracts import MissingItem, Readiness
from core.errors import InvalidInput
from core.handles import Handle
from core.settings import DnsSettings
from db.engine import SessionFactory, transaction
from db.models import Project, Resource
from db.repositories import projects, resources
from services.readiness_servers import dns_missing, server_missing


@dataclass(frozen=True)
class ProjectFacts:
    """What the checks look at, read once."""

    project: Project
    spec: ProjectSpec | None
    resources: list[Resource]
    secrets: SecretStore
    sessions: SessionFactory
    dns: DnsSettings

    def held(self, kind: str) -> set[str]:
        return {row.name for row in self.resources if row.kind == kind}


ReadinessCheck = Callable[[ProjectFacts], Awaitable[list[MissingItem]]]


async def _spec(facts: ProjectFacts) -> list[MissingItem]:
    if facts.spec is not None:
        return []
    return [MissingItem("spec", "no spec yet", "Brainstorm writes it: let the pipeline run")]


async def _repository(facts: ProjectFacts) -> list[MissingItem]:
    if facts.project.config.get("repo_name"):
        return []
    return [MissingItem("repository", "no repository yet", "the Architect stage creates it")]


async def _resources(facts: ProjectFacts) -> list[MissingItem]:
    """Everything the spec lists has a row Zavhoz recorded: the port, servers, domains, …"""
    missing = []
    if "http" not in facts.held("port"):
        missing.append(MissingItem("resources", "port://http", "Zavhoz allocates it"))
    if facts.spec is None:
        return missing
    for need in facts.spec.resources:
        if need.kind != "port" and need.name not in facts.held(need.kind):
            missing.append(MissingItem("resources", f"{need.kind}://{need.name}", "Zavhoz"))
    for secret in facts.spec.secrets:
        if secret.name not in facts.held("secret"):
            missing.append(MissingItem("resources", f"secret {secret.name} not recorded", "Zavhoz"))
    return missing


async def _secrets(facts: ProjectFacts) -> list[MissingItem]:
    """Every secret handle the project holds has a value in the store (values never read)."""
    project, missing = facts.project, []
    for row in sorted(facts.resources, key=lambda r: r.name):
        if row.kind != "secret":
            continue
        try:
            handle = Handle.parse(row.value)
        except InvalidInput as err:
            missing.append(MissingItem("secrets", f"{row.name} is recorded badly: {err}"))
            continue
        # sops runs in a subprocess: off the event loop.
        if not await asyncio.to_thread(facts.secrets.has, project.tenant_id, handle):
            fix = f"orchestrator secrets set {handle.scope} {handle.name}"
            missing.append(MissingItem("secrets", f"{handle} is not in the secret store", fix))
    return missing


async def _server(facts: ProjectFacts) -> list[MissingItem]:
    """The assigned server is registered, reachable and its key stored; localhost needs
    nothing beyond Zavhoz's assignment."""
    project = facts.project
    found = await server_missing(facts.sessions, facts.secrets, project.tenant_id, project.id)
    return [MissingItem("server", what) for what in found]


async def _dns(facts: ProjectFacts) -> list[MissingItem]:
    """With DNS required or configured: Cloudflare's settings and token are there.
    Without a provider the name is only local, which deploys fine."""
    found = await dns_missing(facts.dns, facts.secrets, facts.project.tenant_id)
    return [MissingItem("dns", what) for what in found]


CHECKS: dict[str, ReadinessCheck] = {
    "spec": _spec,
    "repository": _repository,
    "resources": _resources,
    "secrets": _secrets,
    "server": _server,
    "dns": _dns,
}


async def check_deploy_readiness(
    *,
    sessions: SessionFactory,
    secrets: SecretStore,
    dns: DnsSettings,
    tenant_id: str,
    project_id: str,
) -> Readiness:
    """Every check's findings; an unknown project is NotFound."""
    async with transaction(sessions) as session:
        project = await projects.get(session=session, tenant_id=tenant_id, project_id=project_id)
        rows = await resources.list_for_project(
            session=session, tenant_id=tenant_id, project_id=project_id
        )
    spec = ProjectSpec.model_validate(project.spec) if project.spec else None
    facts = ProjectFacts(
        project=project, spec=spec, resources=rows, secrets=secrets, sessions=sessions, dns=dns
    )
    readiness = Readiness(project_id=project_id, checks=list(CHECKS))
    for check in CHECKS.values():
        readiness.missing.extend(await check(facts))
    return readiness
