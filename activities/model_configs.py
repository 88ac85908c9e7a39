"""Reading a role's model config: the DB row when a person set one, else the settings."""

from __future__ import annotations

from core.model_configs import STORED_FIELDS, ModelConfig, default_config
from core.settings import Settings
from core.vocabulary import ModelRole
from db.engine import SessionFactory, transaction
from db.models import ModelConfigRow
from db.repositories import model_configs


async def read_config(sessions: SessionFactory, settings: Settings, role: ModelRole) -> ModelConfig:
    async with transaction(sessions) as session:
        row = await model_configs.find(session=session, tenant_id=settings.tenant, role=role)
    return default_config(role, settings.llm) if row is None else from_row(row)


def from_row(row: ModelConfigRow) -> ModelConfig:
    # The role and provider were checked when the row was set (services/models.py).
    return ModelConfig(**{name: getattr(row, name) for name in STORED_FIELDS}, source="db")
