"""Liveness of the API and of what it depends on."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from api.deps import ServicesDep

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    database: bool
    temporal: bool


@router.get("/health")
async def health(services: ServicesDep) -> HealthOut:
    try:
        async with services.sessions() as session:
            await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        database = True
    except Exception:  # noqa: BLE001 - any failure means "not healthy", reported below
        database = False
    try:
        await services.client.service_client.check_health()
        temporal = True
    except Exception:  # noqa: BLE001
        temporal = False
    status: Literal["ok", "degraded"] = "ok" if database and temporal else "degraded"
    return HealthOut(status=status, database=database, temporal=temporal)
