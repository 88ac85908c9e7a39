"""Choose the forge backend from settings."""

from __future__ import annotations

from pathlib import Path

from adapters.forge.base import Forge
from adapters.forge.local import LocalForge
from core.errors import InvalidInput
from core.settings import ForgeSettings
from db.engine import SessionFactory


def build_forge(
    settings: ForgeSettings, *, root: Path, sessions: SessionFactory, tenant_id: str
) -> Forge:
    if settings.kind == "local":
        return LocalForge(root=root, sessions=sessions, tenant_id=tenant_id)
    raise InvalidInput(
        f"forge '{settings.kind}' is not available in this build; use FORGE_KIND=local"
    )
