"""Each role's model, resolved at every call: the DB's config for the role, else LLM_*.

A person's `orchestrator models set` therefore applies to the next call of every running
project, without a restart. The API key is a handle resolved here, inside the activity,
at the moment of the call; the built client is kept while its config and key stay the same.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable

from pydantic import BaseModel

from activities.model_configs import read_config
from adapters.llm.base import ChatMessage, ChatModel, ModelReply, ToolSpec
from adapters.llm.failures import ModelRequestRejected, as_failure, is_provider_error
from adapters.secrets.base import SecretStore
from core.errors import OrchestratorError, UnknownHandle
from core.handles import Handle
from core.model_configs import ModelConfig, default_config, uses_settings_endpoint
from core.settings import Settings
from core.vocabulary import ModelRole
from db.engine import SessionFactory


class RoleModel:
    """The ChatModel one role asks; which provider answers is decided per call."""

    def __init__(
        self,
        role: ModelRole,
        *,
        settings: Settings,
        sessions: SessionFactory,
        secrets: SecretStore,
        offline: Callable[[], ChatModel],
    ) -> None:
        self.role = role
        self._settings = settings
        self._sessions = sessions
        self._secrets = secrets
        self._offline = offline
        self._built: tuple[str, ChatModel] | None = None
        self.config: ModelConfig | None = None

    @property
    def label(self) -> str:
        """The model that answered last (the default's before the first call)."""
        if self.config is None:
            return default_config(self.role, self._settings.llm).label
        return self.config.label

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        tools: list[ToolSpec] | None = None,
        response_format: type[BaseModel] | None = None,
    ) -> ModelReply:
        config = await read_config(self._sessions, self._settings, self.role)
        self.config = config
        model = await self._model(config)
        try:
            return await model.complete(messages, tools=tools, response_format=response_format)
        except Exception as exc:
            if isinstance(exc, OrchestratorError) or not is_provider_error(exc):
                raise
            # A provider SDK's error: classified for the retry policy, its text not copied
            # whole (from None: the SDK's traceback may quote the request).
            raise as_failure(exc, config) from None

    async def _model(self, config: ModelConfig) -> ChatModel:
        if config.provider == "offline":
            return self._offline()
        key = await self._key(config)
        # The key's digest, not the key, tells a rotated key from the one the client holds.
        identity = repr(config) + hashlib.sha256(key.encode()).hexdigest()
        if self._built is None or self._built[0] != identity:
            from adapters.llm.langchain_model import LangChainModel
            from adapters.llm.providers import build_chat

            chat = build_chat(config, api_key=key, timeout_s=self._settings.llm.timeout_s)
            self._built = (identity, LangChainModel(chat, label=config.label, model=config.model))
        return self._built[1]

    async def _key(self, config: ModelConfig) -> str:
        if not config.api_key_handle:
            # LLM_API_KEY belongs to the LLM_* endpoint; another host gets no key at all.
            if uses_settings_endpoint(config, self._settings.llm):
                return self._settings.llm.api_key.get_secret_value()
            return ""
        handle = Handle.parse(config.api_key_handle)
        try:
            return await asyncio.to_thread(self._secrets.get, self._settings.tenant, handle)
        except UnknownHandle:
            raise ModelRequestRejected(
                f"the {self.role} model ({config.provider}) needs the key {handle}, which the "
                f"secret store does not hold: `orchestrator secrets set --tenant-wide "
                f"{handle.name}`"
            ) from None
