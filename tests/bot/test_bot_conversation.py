"""A whole conversation by long polling: idea → question → answer → spec approval → live URL."""

from __future__ import annotations

import asyncio

import httpx

from adapters.notify.log import LogNotifier
from adapters.notify.telegram import TelegramNotifier
from adapters.notify.telegram_client import make_bot
from bot import texts
from bot.app import run_bot
from tests.bot.conftest import ADMIN, BotStack
from tests.fakes.telegram_server import Sent
from worker.composition import build_worker


async def test_a_chat_carries_an_idea_to_a_live_url(tg: BotStack):
    fake, stack = tg.fake, tg.stack
    notifier_bot = make_bot(tg.settings.telegram)  # the worker's own client, as in `up`
    notifier = TelegramNotifier(notifier_bot, stack.sessions, LogNotifier())
    stop = asyncio.Event()
    polling = asyncio.create_task(run_bot(tg.bot, tg.services, stop))
    try:
        async with build_worker(stack.client, tg.settings, stack.sessions, notifier):
            fake.fail_next("sendMessage", retry_after=1)  # the bot's own reply waits it out
            fake.say(ADMIN, "Todo list")  # vague: Brainstorm asks who it is for
            await fake.wait_for_text(ADMIN, "started")

            question = await fake.wait_for_text(ADMIN, "Question", timeout=60)
            fake.say(
                ADMIN,
                "Just me; each item records a title and a due date",
                reply_to=question.message_id,
            )
            await fake.wait_for_text(ADMIN, texts.ANSWERED)

            fake.fail_next("sendMessage", retry_after=1)  # the notifier's: Temporal retries
            approval: Sent = await fake.wait_for_text(ADMIN, "Approval needed", timeout=60)
            approve = next(data for label, data in approval.buttons() if "Approve" in label)
            fake.press(ADMIN, approval, approve)
            fake.press(ADMIN, approval, approve)  # pressed twice

            status = await fake.wait_for(
                lambda: next((m for m in fake.chat(ADMIN) if "Live:" in m.text), None),
                timeout=240,
                what="the live URL in the status message",
            )
            await fake.wait_for_text(ADMIN, "Project completed", timeout=30)
    finally:
        stop.set()
        await polling
        await notifier_bot.session.close()

    # One status message, edited in place as the stages moved, ending with the URL and PRs.
    statuses = [m for m in fake.chat(ADMIN) if "Status:" in m.text]
    assert statuses == [status] and status.edits >= 10
    assert "Status: completed" in status.text and "Pull requests: #1, #2, #3" in status.text
    live_url = status.text.split("Live: ")[1].split()[0]
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(f"{live_url}/health")).status_code == 200

    # The button was answered once: the second press heard it was already decided.
    answers = [a.get("text") for a in fake.callback_answers]
    assert answers == [texts.DECIDED.format(choice="approve"), texts.ALREADY_DECIDED]
    [project] = await tg.services.projects.list(tenant_id=tg.settings.tenant)
    items = await tg.services.inbox.events(project.id, tenant_id=project.tenant_id)
    assert [e.kind for e in items].count("approval_answered") == 1
    assert any("From the owner: Just me" in e.message for e in items) or project.spec
    # Both 429s were met and waited out; the menu was set.
    assert [m for m, _ in fake.calls].count("sendMessage") == len(fake.sent) + 2
    assert {c["command"] for c in fake.commands} >= {"new", "status", "inbox", "cancel"}
