"""Model failures a retry cannot fix become a question to a person, at once.

A model that never answers a valid spec is asked again with the validation error (bounded),
then the stage fails without Temporal retries paying for more; a refused key fails on its
first answer. Either way the stage escalates, and the message names the role and provider."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from agents.structured import STRUCTURED_ATTEMPTS
from core.settings import LLMSettings
from services.projects import ProjectServices
from tests.e2e.test_secret_leak import wait_for_item
from tests.fakes.openai_server import FakeOpenAIServer, completion
from tests.stack import Stack
from worker.composition import build_worker


@pytest.fixture
def fake() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


def half_a_spec(body: dict[str, Any]) -> dict[str, Any]:
    return completion('{"name": "Not A Slug", "title": "t"}', model=body["model"])


async def test_invalid_structured_output_is_retried_with_the_error_then_escalated(
    stack: Stack, fake: FakeOpenAIServer
) -> None:
    fake.respond = half_a_spec
    llm = LLMSettings(
        provider="openai_compatible", base_url=fake.base_url, api_key=SecretStr("k"), model="m"
    )
    settings = stack.settings.model_copy(update={"llm": llm})
    services = ProjectServices(settings, stack.sessions, stack.client)
    async with build_worker(stack.client, settings, stack.sessions):
        project = await services.submit("Weather bot with notifications")
        escalation, state = await wait_for_item(services, project.id, "escalation")
        await services.cancel(project.id)

    assert escalation.stage == "brainstorm"
    assert "did not return a valid ProjectSpec after 3 attempts" in escalation.prompt
    assert "name: String should match pattern" in escalation.prompt
    # One activity attempt: every request is one of its bounded asks, none a Temporal retry.
    assert len(fake.requests) == STRUCTURED_ATTEMPTS
    corrections = fake.requests[-1].body["messages"][-1]["content"]
    assert "That answer is not a valid ProjectSpec JSON object" in corrections
    assert "summary: Field required" in corrections


async def test_a_refused_key_fails_the_stage_at_once_and_asks_a_person_naming_the_role(
    stack: Stack, fake: FakeOpenAIServer
) -> None:
    key = "sk-wrong-0123456789abcdef"
    fake.fail(401, f"Incorrect API key provided: {key}", "invalid_api_key")
    llm = LLMSettings(
        provider="openai", base_url=fake.base_url, api_key=SecretStr(key), model="gpt-x"
    )
    settings = stack.settings.model_copy(update={"llm": llm})
    services = ProjectServices(settings, stack.sessions, stack.client)
    async with build_worker(stack.client, settings, stack.sessions):
        project = await services.submit("Weather bot with notifications")
        escalation, _ = await wait_for_item(services, project.id, "escalation")
        await services.cancel(project.id)

    assert escalation.stage == "brainstorm"
    assert "the brainstorm model (openai, model 'gpt-x') refused the API key" in escalation.prompt
    assert key not in f"{escalation}"
    assert len(fake.requests) == 1  # no retry: the same key cannot start working
