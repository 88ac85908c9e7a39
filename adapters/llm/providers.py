"""A LangChain chat model for a role's config; each provider package is imported only here,
when a config names it, so `orchestrator up` with the offline model imports none of them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.model_configs import ModelConfig

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

OPENROUTER_URL = "https://openrouter.ai/api/v1"
# Anthropic's API requires max_tokens; this is its own SDK examples' figure.
ANTHROPIC_MAX_TOKENS = 4096


def build_chat(config: ModelConfig, *, api_key: str, timeout_s: float) -> BaseChatModel:
    """No client retries (max_retries=0): a failed call fails its activity, and Temporal's
    retry policy (with a 429's retry-after as the next delay) decides when to call again."""
    common: dict[str, Any] = {"model": config.model, "timeout": timeout_s, "max_retries": 0}
    if config.temperature is not None:
        common["temperature"] = config.temperature
    if config.provider == "anthropic":
        from langchain_anthropic import ChatAnthropic

        return ChatAnthropic(
            **common,
            api_key=api_key,
            max_tokens=config.max_tokens or ANTHROPIC_MAX_TOKENS,
            **({"base_url": config.base_url} if config.base_url else {}),
        )
    if config.provider == "google":
        from langchain_google_genai import ChatGoogleGenerativeAI

        return ChatGoogleGenerativeAI(
            **common,
            google_api_key=api_key,
            **({"max_output_tokens": config.max_tokens} if config.max_tokens else {}),
            **({"base_url": config.base_url} if config.base_url else {}),
        )
    from langchain_openai import ChatOpenAI

    base_url = config.base_url or (OPENROUTER_URL if config.provider == "openrouter" else None)
    return ChatOpenAI(
        **common,
        # Local servers (vLLM, Ollama) accept any key, but the client insists on one.
        api_key=api_key or "not-needed",
        base_url=base_url,
        **({"max_tokens": config.max_tokens} if config.max_tokens else {}),
    )
