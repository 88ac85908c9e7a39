"""The worker's composition root picks the adapters the settings ask for."""

from __future__ import annotations

from pydantic import SecretStr

from adapters.llm.openai_compat import OpenAICompatibleModel
from agents.offline_model import OfflineModel
from core.settings import LLMSettings
from worker.composition import build_chat_model


def test_the_offline_model_is_the_default_and_a_provider_is_chosen_by_settings() -> None:
    assert isinstance(build_chat_model(LLMSettings()), OfflineModel)
    provider = build_chat_model(LLMSettings(provider="openai", api_key=SecretStr("sk-x")))
    assert isinstance(provider, OpenAICompatibleModel)
