"""The owner's notifications: escaped, split at 4096, and delayed (never lost) by a 429."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.context import ActivityContext
from activities.humans import HumanActivities
from adapters.llm.base import ModelReply, Usage
from adapters.notify.log import LogNotifier
from adapters.notify.telegram import TelegramNotifier
from adapters.notify.telegram_client import make_bot
from adapters.secrets.factory import build_secret_store
from core.contracts import Notification
from core.model_prices import ModelPrice
from core.settings import CostSettings
from db.engine import transaction
from db.repositories import events, usage
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


async def test_a_budget_warning_telegram_refuses_does_not_fail_the_paid_call(tg: BotStack):
    """A user who blocked the bot gets a 403: the call is paid and recorded, so failing the
    model's activity would only make its retry pay again."""
    project = await tg.services.projects.submit(
        "Bookmark keeper with tags and search", tenant_id=tg.settings.tenant, telegram_chat=ADMIN
    )
    costs = CostSettings(
        model_prices={"dear-model": ModelPrice(input=1000.0, output=1000.0)},
        project_budget_usd=1.0,
    )
    settings = tg.settings.model_copy(update={"costs": costs})
    bot = make_bot(tg.settings.telegram)
    ctx = ActivityContext(
        settings=settings,
        sessions=tg.stack.sessions,
        secrets=build_secret_store(settings),
        notifier=TelegramNotifier(bot, tg.stack.sessions, LogNotifier()),
    )
    reply = ModelReply(
        "{}", usage=Usage(prompt_tokens=900, completion_tokens=0), model="dear-model"
    )
    tg.fake.block(ADMIN)
    try:  # $0.90 of $1.00: past the 80 % warning
        await ActivityEnvironment().run(
            ctx.record_usage, project.tenant_id, project.id, "brainstorm", [reply]
        )
    finally:
        await bot.session.close()

    async with transaction(tg.stack.sessions) as session:
        spent = await usage.spent(
            session=session, tenant_id=project.tenant_id, project_id=project.id
        )
        kinds = [
            e.kind
            for e in await events.list_for_project(
                session=session, tenant_id=project.tenant_id, project_id=project.id
            )
        ]
    assert spent == pytest.approx(0.9)
    assert kinds.count("budget_warning") == 1, kinds
    assert tg.fake.chat(ADMIN) == [], "Telegram refused it"
