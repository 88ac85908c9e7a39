"""The owner's notifications: escaped, split at 4096, and delayed (never lost) by a 429."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.context import ActivityContext
from activities.humans import HumanActivities
from adapters.notify.log import LogNotifier
from adapters.notify.telegram import TelegramNotifier
from adapters.notify.telegram_client import make_bot
from adapters.secrets.factory import build_secret_store
from core.contracts import Notification
from tests.bot.conftest import ADMIN, BotStack


async def test_a_429_delays_a_notification_by_retry_after_and_loses_nothing(tg: BotStack):
    project = await tg.services.projects.submit(
        "Bookmark keeper with tags and search", tenant_id=tg.settings.tenant, telegram_chat=ADMIN
    )
    bot = make_bot(tg.settings.telegram)
    ctx = ActivityContext(
        settings=tg.settings,
        sessions=tg.stack.sessions,
        secrets=build_secret_store(tg.settings),
    )
    humans = HumanActivities(ctx, TelegramNotifier(bot, tg.stack.sessions, LogNotifier()))
    long_text = "<b>not bold</b> & " + "line of news\n" * 500  # 6,500+ characters
    note = Notification(project.id, project.tenant_id, "", long_text)
    try:
        tg.fake.fail_next("sendMessage", retry_after=7)
        with pytest.raises(ApplicationError) as raised:
            await ActivityEnvironment().run(humans.notify_owner, note)
        assert raised.value.next_retry_delay == timedelta(seconds=7)
        assert not raised.value.non_retryable
        await ActivityEnvironment().run(humans.notify_owner, note)  # Temporal's retry
    finally:
        await bot.session.close()

    parts = [m.text for m in tg.fake.chat(ADMIN)]
    assert len(parts) == 2 and all(len(p) <= 4096 for p in parts)
    assert parts[0].startswith("&lt;b&gt;not bold&lt;/b&gt; &amp; line of news")
    assert "\n".join(parts).count("line of news") == 500
