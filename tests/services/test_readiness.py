"""check_deploy_readiness lists exactly what a half-configured project lacks, and nothing more."""

from __future__ import annotations

import asyncio

from adapters.secrets.factory import build_secret_store
from agents.schemas import FeatureSpec, ProjectSpec, ResourceRequirement, SecretRequirement
from core.handles import Handle
from db.engine import transaction
from db.repositories import projects, resources, tenants
from services.releases import ReleaseServices
from tests.stack import Stack


async def half_configured_project(stack: Stack) -> str:
    """A spec asking for two secrets and a domain; Zavhoz got as far as the port and the
    secrets' rows; one secret was given, the other not; no repository yet."""
    spec = ProjectSpec(
        name="forecast",
        title="Forecast",
        summary="Weather forecasts",
        feature=FeatureSpec(resource="forecast", description="forecasts"),
        secrets=[
            SecretRequirement(name="WEATHER_API_KEY", purpose="the weather API"),
            SecretRequirement(name="SMTP_PASSWORD", purpose="mail"),
        ],
        resources=[ResourceRequirement(kind="domain", name="main")],
    )
    async with transaction(stack.sessions) as session:
        await tenants.ensure_tenant(session=session, tenant_id="default")
        project = await projects.create(
            session=session, tenant_id="default", name="Forecast", idea="Weather forecasts"
        )
        project.spec = spec.model_dump()
        rows = [
            ("port", "http", "18000"),
            ("secret", "WEATHER_API_KEY", f"secret://{project.id}/WEATHER_API_KEY"),
            ("secret", "SMTP_PASSWORD", f"secret://{project.id}/SMTP_PASSWORD"),
        ]
        for kind, name, value in rows:
            await resources.record(
                session=session,
                tenant_id="default",
                project_id=project.id,
                kind=kind,
                name=name,
                value=value,
            )
    store = build_secret_store(stack.settings)
    given = Handle.parse(f"secret://{project.id}/SMTP_PASSWORD")
    await asyncio.to_thread(store.put, "default", given, "s3cret-value-for-tests")
    return project.id


async def test_readiness_lists_exactly_what_a_half_configured_project_lacks(stack: Stack):
    project_id = await half_configured_project(stack)

    found = await ReleaseServices(stack.services).readiness(project_id)

    assert not found.ready
    assert found.checks == ["spec", "repository", "resources", "secrets", "server", "dns"]
    assert [(m.check, m.what) for m in found.missing] == [
        ("repository", "no repository yet"),
        ("resources", "domain://main"),
        ("secrets", f"secret://{project_id}/WEATHER_API_KEY is not in the secret store"),
    ]
    assert found.missing[2].fix == f"orchestrator secrets set {project_id} WEATHER_API_KEY"
    assert "s3cret-value-for-tests" not in repr(found)
