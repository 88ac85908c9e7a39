"""At start, look at every live service again: a crash of the stack is not a crash of them.

Deployed services run in their own session and outlive the stack on purpose. Whether they
did survive (a host reboot, an OOM kill) is what an operator wants to know after a restart,
so each one's health URL is asked once and the answer goes into its project's events.
A service stopped with `orchestrator stop` is not asked and stays stopped; health_checker
(workflows/health_check.py) repairs the others.
"""

from __future__ import annotations

import asyncio

import httpx
import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import SessionFactory, transaction
from db.models import Deployment, Project
from db.repositories import deployments, events, projects

log = structlog.get_logger()


async def check_live_services(
    sessions: SessionFactory, *, health_path: str, timeout_s: float = 3.0
) -> dict[str, bool]:
    """Project id → whether its service answered 200; each answer recorded as an event."""
    async with transaction(sessions) as session:
        every = await projects.list_live(session=session)
        stopped = {row.project_id for row in await _stopped(session, every)}
        for project in (p for p in every if p.id in stopped):
            await events.append(
                session=session,
                tenant_id=project.tenant_id,
                project_id=project.id,
                kind="live_check_stopped",
                message="stopped with `orchestrator stop`: left stopped",
            )
    live = [p for p in every if p.id not in stopped]
    # trust_env=False: a proxy from the environment must not intercept a local port.
    async with httpx.AsyncClient(trust_env=False, timeout=timeout_s) as http:
        answers = await asyncio.gather(*(_healthy(http, p, health_path) for p in live))
    results = {project.id: ok for project, ok in zip(live, answers, strict=True)}
    async with transaction(sessions) as session:
        for project in live:
            ok = results[project.id]
            await events.append(
                session=session,
                tenant_id=project.tenant_id,
                project_id=project.id,
                kind="live_check_healthy" if ok else "live_check_down",
                message=f"{project.live_url}{health_path} "
                + ("answers 200 after the stack started" if ok else "does not answer"),
            )
            if not ok:
                log.warning("live service down", project=project.id, url=project.live_url)
    return results


async def _healthy(http: httpx.AsyncClient, project: Project, health_path: str) -> bool:
    try:
        response = await http.get(f"{project.live_url}{health_path}")
    except httpx.HTTPError:
        return False
    return response.status_code == 200


async def _stopped(session: AsyncSession, live: list[Project]) -> list[Deployment]:
    rows = [
        await deployments.serving(session=session, tenant_id=p.tenant_id, project_id=p.id)
        for p in live
    ]
    return [row for row in rows if row is not None and row.serving == "stopped"]
