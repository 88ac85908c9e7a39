"""Input a person can get wrong, found by trying the API as a user: each answered with a 4xx."""

from __future__ import annotations

import pytest

from api.errors import NOT_UNICODE
from core.errors import InvalidInput
from services.projects import validate_idea
from tests.api.client import client_for
from tests.stack import Stack


async def test_control_characters_are_dropped_from_an_idea_before_it_starts(stack: Stack):
    async with client_for(stack) as api:
        created = await api.post(
            "/projects", json={"idea": "Weather\x00 bot\x07 with\talerts\r\nand \x1b[31mmaps"}
        )
    assert created.status_code == 201
    clean = "Weather bot with alerts and [31mmaps"
    assert created.json()["idea"] == clean
    project = await stack.services.get(created.json()["id"])
    started = await stack.services.handle(project).describe()
    assert project.idea == clean and started.status is not None


async def test_an_idea_of_only_control_characters_is_refused_and_starts_nothing(stack: Stack):
    async with client_for(stack) as api:
        answers = [
            await api.post("/projects", json={"idea": idea})
            for idea in ("\x00", "\x00\x01\x1b \t\n", "\ufeff\x7f\x85")
        ]
        listed = await api.get("/projects")
    for answer in answers:
        assert answer.status_code == 422
        assert answer.json()["detail"].startswith("the idea is empty")
    assert listed.json() == []


async def test_a_lone_surrogate_is_refused_with_a_clear_message(stack: Stack):
    json = {"content-type": "application/json"}
    async with client_for(stack) as api:
        idea = await api.post("/projects", content=rb'{"idea": "Weather \ud800 bot"}', headers=json)
        text = await api.post(
            "/inbox/a-1-1/answer", content=rb'{"text": "yes \udfff"}', headers=json
        )
        user = await api.post(
            "/inbox/a-1-1/answer", content=rb'{"choice": "approve", "user": "\ud83d"}', headers=json
        )
        listed = await api.get("/projects")
    for answer, field in ((idea, "idea"), (text, "text"), (user, "user")):
        assert answer.status_code == 422
        [error] = answer.json()["detail"]
        assert error["loc"] == ["body", field]
        assert error["msg"] == NOT_UNICODE
    assert listed.json() == []


def test_the_cli_and_the_api_share_the_surrogate_check():
    # The API's parser refuses these first; the CLI meets them as undecodable argv bytes.
    with pytest.raises(InvalidInput, match=r"lone surrogate \(U\+DCFF\) at character 9"):
        validate_idea("Weather \udcff bot")


async def test_a_user_name_with_control_characters_is_refused(stack: Stack):
    async with client_for(stack) as api:
        answer = await api.post(
            "/inbox/a-1-1/answer", json={"choice": "approve", "user": "own\x00er"}
        )
    assert answer.status_code == 422
    assert answer.json()["detail"] == "the user name 'own\\x00er' contains control characters"


async def test_event_ids_past_a_signed_64_bit_integer_are_refused(stack: Stack):
    async with client_for(stack) as api:
        created = await api.post("/projects", json={"idea": "Weather bot"})
        events = f"/projects/{created.json()['id']}/events"
        largest = await api.get(events, params={"after_id": 2**63 - 1})
        past = await api.get(events, params={"after_id": 2**63})
        huge = await api.get(events, params={"after_id": 10**30})
        negative = await api.get(events, params={"after_id": -1})
    assert largest.status_code == 200 and largest.json() == []
    for refused in (past, huge, negative):
        assert refused.status_code == 422
        [error] = refused.json()["detail"]
        assert error["loc"] == ["query", "after_id"]
    assert "less than or equal to 9223372036854775807" in past.json()["detail"][0]["msg"]


async def test_ids_and_texts_are_bounded(stack: Stack):
    long_id = "x" * 65
    async with client_for(stack) as api:
        refused = {
            "inbox filter": await api.get("/inbox", params={"project_id": "p" * 60_000}),
            "empty filter": await api.get("/inbox", params={"project_id": ""}),
            "project id": await api.get(f"/projects/{long_id}"),
            "events id": await api.get(f"/projects/{long_id}/events"),
            "cancel id": await api.post(f"/projects/{long_id}/cancel"),
            "item id": await api.post(f"/inbox/{long_id}/answer", json={"choice": "approve"}),
            "answer": await api.post("/inbox/a-1-1/answer", json={"text": "y" * 20_001}),
            "user": await api.post("/inbox/a-1-1/answer", json={"user": "u" * 129}),
            "idea": await api.post("/projects", json={"idea": "i" * 4001}),
            "gates": await api.post("/projects", json={"idea": "x", "gates": ["spec"] * 5}),
        }
        longest = await api.get(f"/projects/{'x' * 64}")
        listed = await api.get("/projects")
    for name, answer in refused.items():
        assert answer.status_code == 422, name
        [error] = answer.json()["detail"]
        assert error["type"] in ("string_too_long", "string_too_short", "too_long"), name
    assert longest.status_code == 404  # 64 characters is a valid id that names nothing
    assert listed.json() == []
