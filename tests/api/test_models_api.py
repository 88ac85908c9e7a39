"""Model configs over HTTP: a preset or fields per role, keys as handles, bad input as 422."""

from __future__ import annotations

import asyncio

from adapters.secrets.factory import build_secret_store
from core.handles import Handle
from tests.api.client import client_for
from tests.stack import Stack


async def test_a_role_is_set_from_a_preset_then_a_field_and_reset(stack: Stack):
    store = build_secret_store(stack.settings)
    handle = Handle.secret("_", "ANTHROPIC_API_KEY")
    await asyncio.to_thread(store.put, stack.settings.tenant, handle, "sk-ant-value-xyz")
    async with client_for(stack) as api:
        before = await api.get("/models")
        preset = await api.put("/models/reviewer", json={"preset": "claude-opus-4.5"})
        tuned = await api.put("/models/reviewer", json={"temperature": 0.2})
        shown = await api.get("/models/reviewer")
        reset = await api.delete("/models/reviewer")

    assert [m["role"] for m in before.json()] == [
        "brainstorm",
        "architect",
        "developer",
        "reviewer",
    ]
    assert {m["source"] for m in before.json()} == {"settings"}
    assert preset.status_code == 200, preset.text
    assert preset.json()["provider"] == "anthropic" and preset.json()["model"] == "claude-opus-4-5"
    assert preset.json()["api_key_handle"] == str(handle)
    assert tuned.json()["temperature"] == 0.2 and tuned.json()["model"] == "claude-opus-4-5"
    assert shown.json() == tuned.json() and "sk-ant-value-xyz" not in shown.text
    assert reset.json()["source"] == "settings" and reset.json()["provider"] == "offline"


async def test_bad_roles_presets_fields_and_missing_keys_are_422_with_a_sentence(stack: Stack):
    async with client_for(stack) as api:
        role = await api.put("/models/janitor", json={"preset": "gpt-5.2"})
        preset = await api.put("/models/architect", json={"preset": "gpt-9"})
        provider = await api.put("/models/architect", json={"provider": "skynet", "model": "x"})
        url = await api.put(
            "/models/architect", json={"provider": "openai_compatible", "model": "llama"}
        )
        temperature = await api.put("/models/architect", json={"temperature": 7})
        key = await api.put("/models/architect", json={"preset": "gpt-5.2"})
        handle = await api.put("/models/architect", json={"api_key_secret": "sk-raw-key"})

    assert role.status_code == 422 and "brainstorm" in role.text
    assert preset.status_code == 422 and "no preset named 'gpt-9'" in preset.json()["detail"]
    assert provider.status_code == 422 and "openai_compatible" in provider.text
    assert "needs a base URL" in url.json()["detail"]
    assert temperature.status_code == 422 and "less than or equal to 2" in temperature.text
    assert key.status_code == 422
    assert "the secret store has no secret://_/OPENAI_API_KEY" in key.json()["detail"]
    assert handle.status_code == 422 and "must be given as a secret handle" in handle.text
    assert "sk-raw-key" not in handle.text  # a pasted key is not echoed


async def test_a_key_pasted_where_a_handle_goes_is_not_echoed_by_a_validation_error(stack: Stack):
    pasted = "sk-proj-pasted-" + "x" * 300  # longer than a handle may be
    async with client_for(stack) as api:
        too_long = await api.put("/models/architect", json={"api_key_secret": pasted})
        wrong_type = await api.put("/models/architect", json={"api_key_secret": [pasted[:40]]})

    for answer in (too_long, wrong_type):
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == ["body", "api_key_secret"]
        assert pasted[:40] not in answer.text
