"""A project's secrets and resources over HTTP: values go in, names and handles come out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field

from api.deps import ServicesDep
from api.errors import responses
from api.params import ProjectIdPath
from core.handles import SECRET_NAME
from services.resources import handle_of, project_resources
from services.secrets import MAX_SECRET_CHARS, SecretServices

router = APIRouter(prefix="/projects", tags=["secrets"])

# Documented only (json_schema_extra): core.handles refuses a bad name or value with a
# sentence a person can act on, where FastAPI's own check would answer with a field list.
SecretNamePath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        json_schema_extra={"pattern": SECRET_NAME.pattern},
        description="the secret's name, e.g. WEATHER_API_KEY",
    ),
]
# One line with something in it besides whitespace.
ONE_LINE = r"^[^\r\n\x00]*[^\s\x00][^\r\n\x00]*$"


def get_secrets(request: Request, services: ServicesDep) -> SecretServices:
    """Built once per app: the store caches what it decrypted for a few seconds."""
    cached: SecretServices | None = getattr(request.app.state, "secret_services", None)
    if cached is None:
        cached = SecretServices.of(services)
        request.app.state.secret_services = cached
    return cached


SecretsDep = Annotated[SecretServices, Depends(get_secrets)]


class SecretIn(BaseModel):
    # The length is checked by the service: a validation error here would echo the value.
    value: str = Field(
        json_schema_extra={"pattern": ONE_LINE, "maxLength": MAX_SECRET_CHARS},
        description=f"the secret; never echoed back. One line, at most {MAX_SECRET_CHARS} "
        "characters, not empty",
    )


class SecretStored(BaseModel):
    name: str
    handle: str
    answered: list[str] = Field(description="the inbox items this answered")
    notes: list[str]


class SecretPublic(BaseModel):
    name: str
    handle: str
    state: str = Field(description="set, or missing: the project needs it and it is not set")


class ResourcePublic(BaseModel):
    kind: str
    name: str
    handle: str
    value: str = Field(description="a port, domain, server or database; a secret's handle")


@router.put("/{project_id}/secrets/{name}", responses=responses(400, 404, 409, 422, 503))
async def put_secret(
    project_id: ProjectIdPath, name: SecretNamePath, body: SecretIn, secrets: SecretsDep
) -> SecretStored:
    stored = await secrets.put(project_id, name, body.value)
    return SecretStored(
        name=name, handle=stored.handle, answered=stored.answered, notes=stored.notes
    )


@router.get("/{project_id}/secrets", responses=responses(404, 422, 503))
async def list_secrets(project_id: ProjectIdPath, secrets: SecretsDep) -> list[SecretPublic]:
    entries = await secrets.list(project_id)
    return [SecretPublic(name=e.name, handle=e.handle, state=e.state) for e in entries]


@router.delete("/{project_id}/secrets/{name}", status_code=204, responses=responses(404, 422, 503))
async def delete_secret(
    project_id: ProjectIdPath, name: SecretNamePath, secrets: SecretsDep
) -> Response:
    await secrets.remove(project_id, name)
    return Response(status_code=204)


@router.get("/{project_id}/resources", responses=responses(404, 422, 503))
async def list_resources(project_id: ProjectIdPath, services: ServicesDep) -> list[ResourcePublic]:
    rows = await project_resources(services, project_id)
    return [
        ResourcePublic(kind=r.kind, name=r.name, handle=handle_of(r), value=r.value) for r in rows
    ]
