"""Reading a role's model config: the DB row when a person set one, else the settings."""

from __future__ import annotations

from typing import cast

from core.model_configs import ModelConfig, default_config
from core.settings import Settings
from core.vocabulary import ModelProvider, ModelRole
from db.engine import SessionFactory, transaction
from db.models import ModelConfigRow
from db.repositories import model_configs


async def read_config(sessions: SessionFactory, settings: Settings, role: ModelRole) -> ModelConfig:
    async with transaction(sessions) as session:
        row = await model_configs.find(session=session, tenant_id=settings.tenant, role=role)
    return default_config(role, settings.llm) if row is None else from_row(row)


def from_row(row: ModelConfigRow) -> ModelConfig:
    return ModelConfig(
        role=cast(ModelRole, row.role),
        provider=cast(ModelProvider, row.provider),
        model=row.model,
        base_url=row.base_url,
        api_key_handle=row.api_key_handle,
        temperature=row.temperature,
        max_tokens=row.max_tokens,
        prompt_version=row.prompt_version,
        source="db",
    )
