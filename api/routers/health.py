"""Liveness of the API and of what it depends on."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(services: ServicesDep) -> dict[str, object]:
    checks: dict[str, bool] = {}
    try:
        async with services.sessions() as session:
            await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        checks["database"] = True
    except Exception:  # noqa: BLE001 - any failure means "not healthy", reported below
        checks["database"] = False
    try:
        await services.client.service_client.check_health()
        checks["temporal"] = True
    except Exception:  # noqa: BLE001
        checks["temporal"] = False
    return {"status": "ok" if all(checks.values()) else "degraded", **checks}
