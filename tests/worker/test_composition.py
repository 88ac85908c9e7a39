"""The worker's composition root gives every role its model, each behind the prompt guard."""

from __future__ import annotations

from pathlib import Path

from adapters.llm.guard import PromptGuard
from adapters.secrets.factory import build_secret_store
from core.settings import LLMSettings, Settings
from core.vocabulary import MODEL_ROLES
from db.engine import create_engine, session_factory
from worker.composition import build_role_models


def test_every_role_has_a_guarded_model_labelled_by_the_settings_until_configured(
    tmp_path: Path,
) -> None:
    settings = Settings(home=tmp_path, llm=LLMSettings(provider="openai", model="gpt-test"))
    sessions = session_factory(create_engine(settings.database_url))
    models = build_role_models(settings, sessions, build_secret_store(settings))
    assert set(models) == set(MODEL_ROLES)
    assert all(isinstance(m, PromptGuard) for m in models.values())
    assert {m.label for m in models.values()} == {"openai:gpt-test"}
