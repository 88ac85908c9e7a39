"""Pick the chat model the settings ask for."""

from __future__ import annotations

from adapters.llm.base import ChatModel
from adapters.llm.offline import OfflineModel
from adapters.llm.openai_compat import OpenAICompatibleModel
from core.errors import InvalidInput
from core.settings import LLMSettings


def build_chat_model(settings: LLMSettings) -> ChatModel:
    if settings.provider == "offline":
        return OfflineModel()
    api_key = settings.api_key.get_secret_value()
    if not settings.base_url and not api_key:
        raise InvalidInput(
            "LLM provider 'openai' needs LLM_API_KEY (for api.openai.com) or LLM_BASE_URL "
            "(for a self-hosted OpenAI-compatible server); set one, or use LLM_PROVIDER=offline."
        )
    return OpenAICompatibleModel(
        model=settings.model,
        base_url=settings.base_url,
        api_key=api_key,
        timeout_s=settings.timeout_s,
    )
