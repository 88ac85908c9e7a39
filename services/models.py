"""Model configs per role for the CLI and the API: list, show, set (a preset or fields), reset.

A config names its API key by handle; the secret store must hold it before a config may
name it, so a typo is refused here rather than failing a project's next call.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import TypeVar, cast

from activities.model_configs import from_row, read_config
from adapters.secrets.base import SecretStore
from adapters.secrets.factory import build_secret_store
from core.errors import InvalidInput
from core.handles import Handle
from core.model_configs import (
    ModelConfig,
    check_config,
    default_config,
    preset_config,
    requires_key,
    uses_settings_endpoint,
)
from core.vocabulary import MODEL_ROLES, ModelProvider, ModelRole
from db.engine import transaction
from db.models import ModelConfigRow
from db.repositories import model_configs, tenants
from services.projects import ProjectServices

T = TypeVar("T")


@dataclass(frozen=True)
class ModelChange:
    """What `models set` asks for: a preset, fields, or a preset with fields on top."""

    preset: str = ""
    provider: str = ""
    model: str = ""
    base_url: str | None = None
    api_key_secret: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    prompt_version: str | None = None


@dataclass(frozen=True)
class ModelServices:
    projects: ProjectServices
    store: SecretStore

    @classmethod
    def of(cls, projects: ProjectServices) -> ModelServices:
        return cls(projects, build_secret_store(projects.settings))

    async def list(self) -> list[ModelConfig]:
        return [await self.show(role) for role in MODEL_ROLES]

    async def show(self, role: str) -> ModelConfig:
        settings = self.projects.settings
        return await read_config(self.projects.sessions, settings, check_role(role))

    async def set(self, role: str, change: ModelChange) -> ModelConfig:
        config = await self._changed(await self.show(role), change)
        await self._check_key(config)
        tenant = self.projects.settings.tenant
        async with transaction(self.projects.sessions) as session:
            await tenants.ensure_tenant(session=session, tenant_id=tenant)
            row = await model_configs.put(session=session, row=_row(tenant, config))
            return from_row(row)

    async def reset(self, role: str) -> ModelConfig:
        """Back to the LLM_* settings."""
        role = check_role(role)
        async with transaction(self.projects.sessions) as session:
            await model_configs.remove(
                session=session, tenant_id=self.projects.settings.tenant, role=role
            )
        return default_config(role, self.projects.settings.llm)

    async def _changed(self, current: ModelConfig, change: ModelChange) -> ModelConfig:
        base = preset_config(change.preset, current.role) if change.preset else current
        if change.provider and not change.preset and change.provider != current.provider:
            # Another provider: the old one's URL and key would only mislead.
            base = replace(base, base_url="", api_key_handle="")
        return check_config(
            replace(
                base,
                provider=cast(ModelProvider, change.provider) if change.provider else base.provider,
                model=change.model or base.model,
                base_url=_or(change.base_url, base.base_url),
                api_key_handle=_or(change.api_key_secret, base.api_key_handle),
                temperature=_or(change.temperature, base.temperature),
                max_tokens=_or(change.max_tokens, base.max_tokens),
                prompt_version=_or(change.prompt_version, base.prompt_version),
                source="db",
            )
        )

    async def _check_key(self, config: ModelConfig) -> None:
        if not config.api_key_handle:
            llm = self.projects.settings.llm
            if requires_key(config) and not uses_settings_endpoint(config, llm):
                # LLM_API_KEY is only sent to the LLM_* endpoint: this one would get no key.
                raise InvalidInput(
                    f"provider '{config.provider}' needs an API key: store it with "
                    f"`orchestrator secrets set --tenant-wide {_key_name(config)}` and name it "
                    f"with --api-key-secret secret://_/{_key_name(config)}"
                )
            return
        handle = Handle.parse(config.api_key_handle)
        tenant = self.projects.settings.tenant
        if not await asyncio.to_thread(self.store.has, tenant, handle):
            raise InvalidInput(
                f"the secret store has no {handle}: store the key first, e.g. "
                f"`orchestrator secrets set --tenant-wide {handle.name}`"
            )


def check_role(role: str) -> ModelRole:
    for known in MODEL_ROLES:
        if role == known:
            return known
    raise InvalidInput(f"'{role}' is not a role; one of {', '.join(MODEL_ROLES)}")


def _key_name(config: ModelConfig) -> str:
    return f"{config.provider.upper()}_API_KEY"


def _or(given: T | None, current: T) -> T:
    """A field the change gives (an empty string too: it clears), else the current one."""
    return current if given is None else given


def _row(tenant: str, config: ModelConfig) -> ModelConfigRow:
    return ModelConfigRow(tenant_id=tenant, **config.stored())
