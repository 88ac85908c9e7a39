"""Webhook mode: only Telegram, which knows the secret token, gets an update in."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.app import dispatcher
from bot.webhook import webhook_app
from tests.bot.conftest import ADMIN, BotStack

UPDATE = {
    "update_id": 1,
    "message": {
        "message_id": 1,
        "date": 0,
        "chat": {"id": ADMIN, "type": "private"},
        "from": {"id": ADMIN, "is_bot": False, "first_name": "Ann"},
        "text": "/help",
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
    },
}


async def test_a_webhook_request_without_the_secret_header_gets_401(tg: BotStack):
    settings = tg.settings.telegram.model_copy(
        update={"webhook_url": "https://bot.example/tg/hook", "webhook_secret": SecretStr("s3cr3t")}
    )
    app = webhook_app(tg.bot, dispatcher(), settings, tg.services.as_kwargs())
    async with TestClient(TestServer(app)) as client:
        missing = await client.post("/tg/hook", json=UPDATE)
        wrong = await client.post(
            "/tg/hook", json=UPDATE, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cr3u"}
        )
        right = await client.post(
            "/tg/hook", json=UPDATE, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cr3t"}
        )
        assert (missing.status, wrong.status, right.status) == (401, 401, 200)
        await tg.fake.wait_for_text(ADMIN, "I turn an idea", timeout=10)  # handled in background
    assert [m.text[:12] for m in tg.fake.chat(ADMIN)] == ["I turn an id"]  # only the right one
