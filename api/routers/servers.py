"""The servers inventory over HTTP: `/servers` (names, addresses, status; keys as handles)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field

from api.deps import ServicesDep
from api.errors import responses
from db.models import Server
from services.servers import NewServer, ServerServices

router = APIRouter(prefix="/servers", tags=["servers"])

ServerNamePath = Annotated[str, Path(min_length=1, max_length=64, description="the server's name")]


def get_servers(request: Request, services: ServicesDep) -> ServerServices:
    cached: ServerServices | None = getattr(request.app.state, "server_services", None)
    if cached is None:
        cached = ServerServices.of(services)
        request.app.state.server_services = cached
    return cached


ServersDep = Annotated[ServerServices, Depends(get_servers)]


class ServerIn(BaseModel):
    # Bounds are checked by the service, which answers with a sentence.
    name: str = Field(max_length=64, description="a short name: lower-case letters, digits, -")
    host: str = Field(max_length=255, description="its address or host name")
    port: int = Field(default=22, description="its SSH port")
    user: str = Field(default="root", max_length=64, description="who Ansible logs in as")
    key_handle: str = Field(
        default="",
        max_length=200,
        description="the private key's handle; empty: secret://_/SSH_KEY_<NAME>",
    )


class ServerPublic(BaseModel):
    name: str
    host: str
    port: int
    user: str
    key_handle: str
    status: str = Field(description="unknown, reachable or unreachable (at the last check)")
    message: str
    free_disk_mb: int | None
    free_memory_mb: int | None
    checked_at: datetime | None


def _public(s: Server) -> ServerPublic:
    return ServerPublic(
        name=s.name,
        host=s.host,
        port=s.port,
        user=s.user,
        key_handle=s.key_handle,
        status=s.status,
        message=s.message,
        free_disk_mb=s.free_disk_mb,
        free_memory_mb=s.free_memory_mb,
        checked_at=s.checked_at,
    )


@router.post("", status_code=201, responses=responses(409, 422, 503))
async def add_server(body: ServerIn, servers: ServersDep) -> ServerPublic:
    """Logs in once first: an unreachable server is refused (422) with the reason."""
    server = await servers.add(NewServer(**body.model_dump()))
    return _public(server)


@router.get("", responses=responses(503))
async def list_servers(servers: ServersDep) -> list[ServerPublic]:
    return [_public(s) for s in await servers.list()]


@router.delete("/{name}", status_code=204, responses=responses(404, 503))
async def remove_server(name: ServerNamePath, servers: ServersDep) -> Response:
    await servers.remove(name)
    return Response(status_code=204)
