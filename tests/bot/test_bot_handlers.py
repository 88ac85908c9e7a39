"""Handlers fed one update at a time (Dispatcher.feed_update), replies read at the fake server."""

from __future__ import annotations

import time

from bot import texts
from tests.bot.conftest import ADMIN, STRANGER, BotStack


def message(user: int, text: str, update_id: int, **fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "message_id": update_id,
        "date": 0,
        "chat": {"id": user, "type": "private"},
        "from": {"id": user, "is_bot": False, "first_name": "Ann"},
        "text": text,
        **fields,
    }
    if text.startswith("/"):
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": body}


async def test_a_stranger_is_refused_politely_and_starts_nothing(tg: BotStack):
    await tg.feed(message(STRANGER, "Build me a weather bot", 1))
    await tg.feed(message(STRANGER, "/projects", 2))

    replies = tg.fake.chat(STRANGER)
    assert [r.text for r in replies] == [texts.STRANGER, texts.STRANGER]
    assert await tg.services.projects.list(tenant_id=tg.settings.tenant) == []


async def test_an_invite_lets_one_person_in_once(tg: BotStack):
    await tg.feed(message(ADMIN, "/invite", 1))
    invite = tg.fake.chat(ADMIN)[-1].text
    code = invite.split("/start ")[1].split("<")[0]

    await tg.feed(message(STRANGER, f"/start {code}", 2))
    await tg.feed(message(STRANGER, "/help", 3))
    await tg.feed(message(3003, f"/start {code}", 4))  # the same code, someone else

    assert tg.fake.chat(STRANGER)[0].text.startswith(texts.WELCOME)
    assert tg.fake.chat(STRANGER)[1].text.startswith("I turn an idea")
    assert "/invite" not in tg.fake.chat(STRANGER)[1].text  # not an admin
    assert [r.text for r in tg.fake.chat(3003)] == [texts.BAD_INVITE]


async def test_a_redelivered_update_is_answered_once(tg: BotStack):
    update = message(ADMIN, "/help", 77)
    await tg.feed(update)
    await tg.feed(update)  # Telegram sends it again after a restart

    assert len(tg.fake.chat(ADMIN)) == 1


async def test_flood_control_is_waited_out(tg: BotStack):
    tg.fake.fail_next("sendMessage", retry_after=1)
    started = time.monotonic()
    await tg.feed(message(ADMIN, "/help", 5))

    assert time.monotonic() - started >= 1.0
    assert [m for m, _ in tg.fake.calls].count("sendMessage") == 2
    assert [r.text[:12] for r in tg.fake.chat(ADMIN)] == ["I turn an id"]


async def test_an_idea_starts_a_project_the_chat_follows(tg: BotStack):
    await tg.feed(message(ADMIN, "/new Bookmark keeper with tags and search", 6))

    [project] = await tg.services.projects.list(tenant_id=tg.settings.tenant)
    assert project.config["owner"] == f"tg-{ADMIN}"
    assert f"<code>{project.id}</code> started" in tg.fake.chat(ADMIN)[-1].text
    followed = await tg.services.chats.projects(chat_id=ADMIN, tenant_id=tg.settings.tenant)
    assert followed == [project.id]
