"""/change from the chat: a live project gets a change, its question answered by a reply."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from adapters.notify.log import LogNotifier
from adapters.notify.telegram import TelegramNotifier
from adapters.notify.telegram_client import make_bot
from bot import texts
from bot.app import run_bot
from core.contracts import Gates
from tests.bot.conftest import ADMIN, BotStack
from tests.bot.test_bot_handlers import message
from tests.changes_helpers import releases_of
from worker.composition import build_worker


async def test_a_change_without_a_live_project_or_text_is_refused_in_words(tg: BotStack):
    await tg.feed(message(ADMIN, "/change", 1))
    await tg.feed(message(ADMIN, "/new Bookmark keeper with tags and search", 2))
    [project] = await tg.services.projects.list(tenant_id=tg.settings.tenant)
    await tg.feed(message(ADMIN, f"/change {project.id}", 3))
    await tg.feed(message(ADMIN, f"/change {project.id} add an endpoint /stats", 4))
    await tg.feed(message(ADMIN, "/change nosuchproject add an endpoint /stats", 5))

    replies = [m.text for m in tg.fake.chat(ADMIN)]
    assert replies[0] == texts.NEED_CHANGE and replies[2] == texts.NEED_CHANGE
    assert "still being built" in replies[3] and "changes go to live projects only" in replies[3]
    assert "nosuchproject" in replies[4] and texts.OOPS not in replies
    assert await tg.services.changes.list(project.id, tenant_id=project.tenant_id) == []


@pytest.mark.timeout(600)
async def test_a_change_from_the_chat_asks_by_reply_and_goes_live(tg: BotStack):
    fake, stack = tg.fake, tg.stack
    notifier_bot = make_bot(tg.settings.telegram)  # the worker's own client, as in `up`
    notifier = TelegramNotifier(notifier_bot, stack.sessions, LogNotifier())
    stop = asyncio.Event()
    polling = asyncio.create_task(run_bot(tg.bot, tg.services, stop))
    try:
        async with build_worker(stack.client, tg.settings, stack.sessions, notifier):
            # Built from the CLI, owned by the chat's user: no chat follows it yet.
            project = await tg.services.projects.submit(
                "Weather bot with notifications", owner=f"tg-{ADMIN}", gates=Gates()
            )
            state = await tg.services.projects.handle(project).result()
            assert state.status == "completed", state.error

            fake.say(ADMIN, f"/change {project.id} Add a counter")  # vague: the team asks
            await fake.wait_for_text(ADMIN, "Change #1 to")
            question = await fake.wait_for_text(ADMIN, "What exactly should", timeout=60)
            answer = "An endpoint /counter answering how many items exist"
            fake.say(ADMIN, answer, reply_to=question.message_id)
            await fake.wait_for_text(ADMIN, texts.ANSWERED)
            await fake.wait_for_text(ADMIN, "Change #1 live", timeout=240)
    finally:
        stop.set()
        await polling
        await notifier_bot.session.close()

    [change] = await tg.services.changes.list(project.id, tenant_id=project.tenant_id)
    assert (change.status, change.requested_by) == ("live", f"tg-{ADMIN}")
    releases = await releases_of(stack, project.id)
    assert [(r.number, r.status, r.requested_by) for r in releases][-1] == (
        2,
        "healthy",
        f"tg-{ADMIN}",
    )
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(f"{state.live_url}/counter")).status_code == 200
