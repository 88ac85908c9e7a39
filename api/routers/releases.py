"""A project's releases and its live service: list, readiness, deploy, rollback, stop, start."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field, field_validator

from api.deps import ServicesDep
from api.errors import responses
from api.params import ProjectIdPath
from core.contracts import DeployResult
from core.vocabulary import ReleaseStatus
from db.models import Deployment
from services.releases import ReleaseServices

router = APIRouter(prefix="/projects/{project_id}", tags=["releases"])

MAX_RELEASE = 2**31 - 1


class ReleasePublic(BaseModel):
    number: int | None
    release_id: str
    commit: str
    status: str = Field(description="its health result: healthy, rolled_back or failed")
    serving: str = Field(description="live, stopped, or empty when another release serves")
    requested_by: str
    message: str
    url: str
    created_at: datetime

    @field_validator("created_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        # SQLite drops the offset; every timestamp is written in UTC (db.models.utcnow).
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    @classmethod
    def of(cls, row: Deployment) -> ReleasePublic:
        return cls.model_validate(row, from_attributes=True)


class MissingPublic(BaseModel):
    check: str
    what: str
    fix: str


class ReadinessPublic(BaseModel):
    ready: bool
    checks: list[str]
    missing: list[MissingPublic]


class ReleaseOut(BaseModel):
    status: ReleaseStatus
    number: int | None
    release_id: str
    url: str
    message: str

    @classmethod
    def of(cls, result: DeployResult) -> ReleaseOut:
        return cls.model_validate(result, from_attributes=True)


class DeployIn(BaseModel):
    release: int | None = Field(
        default=None, ge=1, le=MAX_RELEASE, description="redeploy this release's commit"
    )


class RollbackIn(BaseModel):
    to: int | None = Field(
        default=None, ge=1, le=MAX_RELEASE, description="default: the healthy one before"
    )


@router.get("/releases", responses=responses(404, 422, 503))
async def list_releases(project_id: ProjectIdPath, services: ServicesDep) -> list[ReleasePublic]:
    return [ReleasePublic.of(r) for r in await ReleaseServices(services).list(project_id)]


@router.get("/readiness", responses=responses(404, 422, 503))
async def readiness(project_id: ProjectIdPath, services: ServicesDep) -> ReadinessPublic:
    found = await ReleaseServices(services).readiness(project_id)
    return ReadinessPublic(
        ready=found.ready,
        checks=found.checks,
        missing=[MissingPublic(check=m.check, what=m.what, fix=m.fix) for m in found.missing],
    )


@router.post("/releases", responses=responses(400, 404, 409, 422, 503))
async def deploy(project_id: ProjectIdPath, body: DeployIn, services: ServicesDep) -> ReleaseOut:
    return ReleaseOut.of(await ReleaseServices(services).deploy(project_id, release=body.release))


@router.post("/rollback", responses=responses(400, 404, 409, 422, 503))
async def rollback(
    project_id: ProjectIdPath, body: RollbackIn, services: ServicesDep
) -> ReleaseOut:
    return ReleaseOut.of(await ReleaseServices(services).rollback(project_id, to=body.to))


@router.post("/stop", responses=responses(404, 409, 422, 503))
async def stop(project_id: ProjectIdPath, services: ServicesDep) -> ReleaseOut:
    return ReleaseOut.of(await ReleaseServices(services).stop(project_id))


@router.post("/start", responses=responses(404, 409, 422, 503))
async def start(project_id: ProjectIdPath, services: ServicesDep) -> ReleaseOut:
    return ReleaseOut.of(await ReleaseServices(services).start(project_id))
