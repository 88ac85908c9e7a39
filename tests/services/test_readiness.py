"""check_deploy_readiness lists exactly what a half-configured project lacks, and nothing more."""

from __future__ import annotations

import asyncio

from activities.readiness import check_deploy_readiness
from adapters.secrets.factory import build_secret_store
from agents.schemas import FeatureSpec, ProjectSpec, ResourceRequirement, SecretRequirement
from core.handles import Handle
from core.settings import DnsSettings
from db.engine import transaction
from db.repositories import projects, resources, servers, tenants
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
        # No server assignment is no gap: the release goes to this host, as before servers.
    ]
    assert found.missing[2].fix == f"orchestrator secrets set {project_id} WEATHER_API_KEY"
    assert "s3cret-value-for-tests" not in repr(found)


async def test_readiness_names_a_server_gone_from_the_inventory_and_dns_left_unset(stack: Stack):
    project_id = await half_configured_project(stack)
    async with transaction(stack.sessions) as session:
        await resources.record(
            session=session,
            tenant_id="default",
            project_id=project_id,
            kind="server",
            name=servers.ASSIGNMENT_NAME,
            value=servers.assignment_value("s1", project_id),
        )

    found = await check_deploy_readiness(
        sessions=stack.sessions,
        secrets=build_secret_store(stack.settings),
        dns=DnsSettings(required=True),
        tenant_id="default",
        project_id=project_id,
    )

    assert [(m.check, m.what) for m in found.missing if m.check in ("server", "dns")] == [
        ("server", f"server 's1' assigned to {project_id} is no longer registered"),
        (
            "dns",
            "DNS is required but DNS_CLOUDFLARE_TOKEN_HANDLE, DNS_CLOUDFLARE_ZONE_ID, "
            "DNS_DOMAIN not set",
        ),
    ]
