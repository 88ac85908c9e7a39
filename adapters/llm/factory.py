"""Build the real provider's chat model the settings ask for.

The offline stand-in is one of our agents (agents/offline_model.py); the worker's composition
root picks between it and this, so adapters never import agents.
"""

from __future__ import annotations

from adapters.llm.base import ChatModel
from core.errors import InvalidInput
from core.settings import LLMSettings


def build_provider_model(settings: LLMSettings) -> ChatModel:
    api_key = settings.api_key.get_secret_value()
    if not settings.base_url and not api_key:
        raise InvalidInput(
            "LLM provider 'openai' needs LLM_API_KEY (for api.openai.com) or LLM_BASE_URL "
            "(for a self-hosted OpenAI-compatible server); set one, or use LLM_PROVIDER=offline."
        )
    # Imported only when a provider is configured: the openai package takes ~1 s to import,
    # and every second of `orchestrator up` is a second of a crashed stack standing still.
    from adapters.llm.openai_compat import OpenAICompatibleModel

    return OpenAICompatibleModel(
        model=settings.model,
        base_url=settings.base_url,
        api_key=api_key,
        timeout_s=settings.timeout_s,
    )
