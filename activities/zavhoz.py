"""Zavhoz: hand out resources as handles (the LLM never sees raw values of secrets)."""

from __future__ import annotations

import socket

from temporalio import activity

from activities.context import ActivityContext, once_key
from core.contracts import Allocation, ProjectRef
from db.engine import transaction
from db.repositories import events, resources


class ZavhozActivities:
    def __init__(self, ctx: ActivityContext) -> None:
        self._ctx = ctx

    @activity.defn(name="zavhoz.allocate_resources")
    async def allocate_resources(self, ref: ProjectRef) -> Allocation:
        deploy = self._ctx.settings.deploy
        async with transaction(self._ctx.sessions) as session:
            port = await resources.allocate_port(
                session=session,
                tenant_id=ref.tenant_id,
                project_id=ref.project_id,
                start=deploy.port_range_start,
                end=deploy.port_range_end,
                usable=lambda port: _free_on_host(deploy.host, port),
            )
            handle = f"port://{ref.project_id}/http"
            await events.append(
                session=session,
                tenant_id=ref.tenant_id,
                project_id=ref.project_id,
                kind="resource_allocated",
                message=f"{handle} = {port.value}",
                payload={"kind": "port", "handle": handle},
                once_key=once_key("resource_allocated", handle),
            )
        return Allocation(port=int(port.value), handles=[handle])


def _free_on_host(host: str, port: int) -> bool:
    """A port another program listens on would make the health check test the wrong service."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
