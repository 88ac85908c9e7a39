"""Readiness checks about servers and DNS, for check_deploy_readiness: each returns what is
missing, in words a person can act on (an empty list: nothing)."""

from __future__ import annotations

import asyncio

from activities.servers import LOCALHOST
from adapters.secrets.base import SecretStore
from core.errors import InvalidInput
from core.handles import Handle
from core.settings import DnsSettings
from db.engine import SessionFactory, transaction
from db.repositories import resources, servers


async def server_missing(
    sessions: SessionFactory, secrets: SecretStore, tenant_id: str, project_id: str
) -> list[str]:
    """A server is assigned, reachable at its last check, and its SSH key is in the store."""
    async with transaction(sessions) as session:
        assignment = await resources.find(
            session=session,
            tenant_id=tenant_id,
            project_id=project_id,
            kind="server",
            name=servers.ASSIGNMENT_NAME,
        )
        if assignment is None:
            # Deploys go to this host then, as they did before servers existed: projects
            # that reached Zavhoz on older code have no assignment and must still deploy.
            return []
        name = servers.server_of(assignment)
        if name == LOCALHOST:
            return []
        server = await servers.find(session=session, tenant_id=tenant_id, name=name)
    if server is None:
        return [f"server '{name}' assigned to {project_id} is no longer registered"]
    missing = []
    if server.status != "reachable":
        seen = f": {server.message}" if server.message else " (never checked)"
        missing.append(f"server '{name}' is {server.status}{seen}")
    handle = Handle.parse(server.key_handle)
    if not await asyncio.to_thread(secrets.has, tenant_id, handle):
        missing.append(f"the SSH key of server '{name}' ({handle}) is not in the secret store")
    return missing


async def dns_missing(settings: DnsSettings, secrets: SecretStore, tenant_id: str) -> list[str]:
    """When a domain is required (DNS_REQUIRED), Cloudflare is configured and its token stored."""
    if not settings.required and not settings.configured:
        return []  # deploys go on without a name, and the stage says so
    unset = [
        variable
        for variable, value in (
            ("DNS_CLOUDFLARE_TOKEN_HANDLE", settings.cloudflare_token_handle),
            ("DNS_CLOUDFLARE_ZONE_ID", settings.cloudflare_zone_id),
            ("DNS_DOMAIN", settings.domain),
        )
        if not value
    ]
    if unset:
        return [f"DNS is required but {', '.join(unset)} not set"]
    try:
        handle = Handle.parse(settings.cloudflare_token_handle)
    except InvalidInput as err:
        return [f"DNS_CLOUDFLARE_TOKEN_HANDLE: {err}"]
    if not await asyncio.to_thread(secrets.has, tenant_id, handle):
        return [f"the Cloudflare token ({handle}) is not in the secret store"]
    return []
