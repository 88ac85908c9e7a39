"""health_checker's eyes: ask every live release's health URL, count failures in a row."""

from __future__ import annotations

import asyncio

import httpx
from temporalio import activity

from activities.context import ActivityContext
from core.contracts import HealthCheckInput, UnhealthyRelease
from db.engine import transaction
from db.models import Deployment, Project
from db.repositories import deployments


class HealthActivities:
    def __init__(self, ctx: ActivityContext) -> None:
        self._ctx = ctx

    @activity.defn(name="health.check_live")
    async def check_live(self, input: HealthCheckInput) -> list[UnhealthyRelease]:
        """The live releases that failed `failures_allowed` checks in a row, to repair now.

        Stopped services are not live, so they are never asked nor repaired."""
        async with transaction(self._ctx.sessions) as session:
            live = await deployments.list_live(session=session)
        # trust_env=False: a proxy from the environment must not intercept a local port.
        async with httpx.AsyncClient(trust_env=False, timeout=3.0) as http:
            answers = await asyncio.gather(*(_ask(http, row, input.health_path) for row in live))
        unhealthy = []
        async with transaction(self._ctx.sessions) as session:
            for row, problem in zip(live, answers, strict=True):
                assert row.id is not None
                failed = await deployments.count_check(
                    session=session, deployment_id=row.id, healthy=problem is None
                )
                if problem is None or failed < input.failures_allowed:
                    continue
                project = await session.get(Project, row.project_id)
                unhealthy.append(
                    UnhealthyRelease(
                        project_id=row.project_id,
                        tenant_id=row.tenant_id,
                        release_id=row.release_id,
                        number=row.number or 0,
                        owner=str(project.config.get("owner") or "") if project else "",
                        reason=f"{row.url}{input.health_path} {problem} ({failed} checks in a row)",
                    )
                )
        return unhealthy


async def _ask(http: httpx.AsyncClient, row: Deployment, path: str) -> str | None:
    """None when healthy, else what was seen, in words."""
    try:
        response = await http.get(f"{row.url}{path}")
    except httpx.HTTPError as err:
        return f"does not answer ({type(err).__name__})"
    if response.status_code != 200:
        return f"answers {response.status_code}"
    return None
