"""The worker's composition root gives every role its model, each behind the prompt guard, and
refuses settings it could not honour."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest
from pydantic import SecretStr
from temporalio.client import Client

from adapters.llm.guard import PromptGuard
from adapters.secrets.factory import build_secret_store
from core.errors import InvalidInput
from core.known_secrets import KNOWN_SECRETS
from core.logging import redact
from core.settings import CostSettings, LLMSettings, SandboxSettings, Settings
from core.vocabulary import MODEL_ROLES
from db.engine import create_engine, session_factory
from worker.composition import LLM_API_KEY_MASK, build_activities, build_role_models


def test_every_role_has_a_guarded_model_labelled_by_the_settings_until_configured(
    tmp_path: Path,
) -> None:
    settings = Settings(home=tmp_path, llm=LLMSettings(provider="openai", model="gpt-test"))
    sessions = session_factory(create_engine(settings.database_url))
    models = build_role_models(settings, sessions, build_secret_store(settings))
    assert set(models) == set(MODEL_ROLES)
    assert all(isinstance(m, PromptGuard) for m in models.values())
    assert {m.label for m in models.values()} == {"openai:gpt-test"}


@pytest.mark.parametrize("budget", ["project_budget_usd", "tenant_budget_usd"])
def test_a_worker_with_an_external_agent_refuses_a_budget_it_could_not_keep(
    tmp_path: Path, budget: str
) -> None:
    settings = Settings(
        home=tmp_path,
        sandbox=SandboxSettings(kind="docker", agent_command="claude -p {prompt}"),
        costs=CostSettings(**{budget: 5.0}),
    )
    sessions = session_factory(create_engine(settings.database_url))
    client = cast(Client, None)  # refused before anything reaches Temporal or the engine
    with pytest.raises(InvalidInput, match=f"COSTS_{budget.upper()}.*not metered"):
        build_activities(settings, sessions, build_secret_store(settings), client)


def test_llm_api_key_is_masked_like_a_stored_secret_once_the_models_are_built(
    tmp_path: Path,
) -> None:
    key = "proxy-llm-key-0f1e2d3c4b5a69788796"  # no credential shape: masked by value only
    settings = Settings(home=tmp_path, llm=LLMSettings(provider="openai", api_key=SecretStr(key)))
    sessions = session_factory(create_engine(settings.database_url))
    try:
        build_role_models(settings, sessions, build_secret_store(settings))
        line = f"calling the provider with {key}"
        assert redact(line) == f"calling the provider with {LLM_API_KEY_MASK}"
        assert KNOWN_SECRETS.found_in(line) == [LLM_API_KEY_MASK]  # the prompt guard's test
    finally:
        KNOWN_SECRETS.forget(key)
