"""A secret the team asks for is never taken in the chat, and a pasted one is never echoed."""

from __future__ import annotations

from db.engine import transaction
from db.models import InboxEntry
from db.repositories import inbox
from tests.bot.conftest import ADMIN, BotStack
from tests.bot.test_bot_handlers import message

VALUE = "sk-live-9f8e7d6c5b4a39281706"


async def test_a_pasted_secret_is_deleted_and_the_owner_told_the_safe_way(tg: BotStack):
    await tg.feed(message(ADMIN, "/new Weather bot with notifications", 1))
    [project] = await tg.services.projects.list(tenant_id=tg.settings.tenant)
    async with transaction(tg.stack.sessions) as session:  # what record_inbox mirrors
        await inbox.upsert(
            session=session,
            entry=InboxEntry(
                id=f"s-{project.id}-1",
                tenant_id=project.tenant_id,
                project_id=project.id,
                kind="secret",
                stage="zavhoz",
                prompt="The service needs WEATHER_API_KEY",
                options=[f"secret://{project.id}/WEATHER_API_KEY"],
            ),
        )

    await tg.feed(message(ADMIN, VALUE, 2))

    assert tg.fake.deleted == [(ADMIN, 2)]
    reply = tg.fake.chat(ADMIN)[-1].text
    assert f"orchestrator secrets set {project.id} WEATHER_API_KEY" in reply
    assert all(VALUE not in m.text for m in tg.fake.sent)
    assert len(await tg.services.projects.list(tenant_id=tg.settings.tenant)) == 1  # no idea
