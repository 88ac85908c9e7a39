"""Each provider's LangChain client is built from a role's config as its SDK expects: the key,
the endpoint, the sampling settings, and no client-side retries (Temporal retries)."""

from __future__ import annotations

from langchain_anthropic import ChatAnthropic
from langchain_google_genai import ChatGoogleGenerativeAI
from langchain_openai import ChatOpenAI

from adapters.llm.providers import ANTHROPIC_MAX_TOKENS, OPENROUTER_URL, build_chat
from core.model_configs import PRESETS, ModelConfig


def test_openrouter_defaults_to_its_endpoint_and_openai_compatible_keeps_the_given_one() -> None:
    router = build_chat(
        ModelConfig("reviewer", "openrouter", "anthropic/claude-haiku-4.5", temperature=0.3),
        api_key="sk-or",
        timeout_s=30,
    )
    assert isinstance(router, ChatOpenAI)
    assert router.openai_api_base == OPENROUTER_URL and router.temperature == 0.3
    assert router.max_retries == 0 and router.request_timeout == 30
    local = build_chat(
        ModelConfig("developer", "openai_compatible", "qwen", base_url="http://gpu:8000/v1"),
        api_key="",
        timeout_s=30,
    )
    assert isinstance(local, ChatOpenAI) and local.openai_api_base == "http://gpu:8000/v1"
    assert local.openai_api_key is not None  # a placeholder: local servers take any key


def test_anthropic_and_google_get_their_key_limits_and_no_retries() -> None:
    claude = build_chat(
        PRESETS["claude-haiku-4.5"].config("architect"), api_key="sk-ant", timeout_s=9
    )
    assert isinstance(claude, ChatAnthropic)
    assert claude.anthropic_api_key.get_secret_value() == "sk-ant"
    assert claude.max_tokens == 8192 and claude.max_retries == 0
    bare = build_chat(ModelConfig("architect", "anthropic", "claude-x"), api_key="k", timeout_s=9)
    assert isinstance(bare, ChatAnthropic) and bare.max_tokens == ANTHROPIC_MAX_TOKENS
    gemini = build_chat(
        ModelConfig("brainstorm", "google", "gemini-3-flash-preview", max_tokens=2048),
        api_key="g-key",
        timeout_s=9,
    )
    assert isinstance(gemini, ChatGoogleGenerativeAI)
    assert gemini.google_api_key is not None and gemini.google_api_key.get_secret_value() == "g-key"
    assert gemini.max_output_tokens == 2048 and gemini.max_retries == 0
