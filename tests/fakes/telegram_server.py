"""A fake Telegram Bot API server: the real aiogram client talks to it over HTTP.

It speaks what the bot uses (getUpdates with long polling, sendMessage, editMessageText,
editMessageReplyMarkup, answerCallbackQuery, setMyCommands, deleteMessage, webhooks off/on),
keeps every chat's messages, and plays the people: `say` and `press` queue updates as
Telegram would. `fail_next` answers a method with 429 and retry_after, like flood control.

Run it on its own to try the bot by hand (README, *Telegram*):
    python -m tests.fakes.telegram_server --port 8081 --user 1001
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 4242
Json = dict[str, Any]


@dataclass
class Sent:
    """A message the bot sent, as it reads now (edits change it in place)."""

    chat_id: int
    message_id: int
    text: str
    markup: Json | None = None
    edits: int = 0

    def buttons(self) -> list[tuple[str, str]]:
        rows = (self.markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


@dataclass
class FakeTelegram:
    token: str
    updates: list[Json] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    calls: list[tuple[str, Json]] = field(default_factory=list)
    callback_answers: list[Json] = field(default_factory=list)
    commands: list[Json] = field(default_factory=list)
    deleted: list[tuple[int, int]] = field(default_factory=list)
    webhook: str = ""
    base: str = ""  # where it listens, once started
    arrived: dict[int, float] = field(default_factory=dict)  # update id → when it was queued
    acked: dict[int, float] = field(default_factory=dict)  # update id → the bot's first answer
    _failures: dict[str, list[int]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _pending_ack: dict[str, int] = field(default_factory=dict)  # chat or query → update id
    blocked: set[int] = field(default_factory=set)  # chats whose user blocked the bot

    # ---- the people's side ----------------------------------------------------------------

    def say(
        self,
        user_id: int,
        text: str | None = None,
        *,
        reply_to: int | None = None,
        chat: Json | None = None,
        **fields: Any,
    ) -> int:
        chat = chat or {"id": user_id, "type": "private", "first_name": "Ann"}
        message: Json = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": _user(user_id),
            **fields,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to is not None:
            original = self.message(chat["id"], reply_to)
            message["reply_to_message"] = {
                "message_id": reply_to,
                "date": int(time.time()),
                "chat": chat,
                "from": _user(BOT_ID, is_bot=True),
                "text": original.text if original else "",
            }
        return self.push({"message": message}, ack_key=f"chat:{chat['id']}")

    def press(self, user_id: int, sent: Sent, data: str) -> int:
        query_id = f"q{next(self._ids)}"
        return self.push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": _user(user_id),
                    "chat_instance": "ci",
                    "data": data,
                    "message": {
                        "message_id": sent.message_id,
                        "date": int(time.time()),
                        "chat": {"id": sent.chat_id, "type": "private"},
                        "from": _user(BOT_ID, is_bot=True),
                        "text": sent.text,
                    },
                }
            },
            ack_key=f"query:{query_id}",
        )

    def push(self, update: Json, *, ack_key: str = "") -> int:
        """Queue a raw update (its update_id added unless given); returns the id."""
        update_id = update.setdefault("update_id", next(self._ids))
        self.updates.append(update)
        self.arrived[update_id] = time.perf_counter()
        if ack_key:
            self._pending_ack[ack_key] = update_id
        asyncio.get_running_loop().create_task(self._notify())
        return update_id

    def block(self, chat_id: int) -> None:
        """The user blocks the bot: Telegram answers 403 to every message for that chat."""
        self.blocked.add(chat_id)

    def fail_next(self, method: str, retry_after: int, times: int = 1) -> None:
        self._failures.setdefault(method, []).extend([retry_after] * times)

    # ---- what the tests read ----------------------------------------------------------------

    def chat(self, chat_id: int) -> list[Sent]:
        return [m for m in self.sent if m.chat_id == chat_id]

    def message(self, chat_id: int, message_id: int) -> Sent | None:
        return next(
            (m for m in self.sent if (m.chat_id, m.message_id) == (chat_id, message_id)), None
        )

    async def wait_for(
        self, found: Callable[[], Any], timeout: float = 30.0, what: str = "a message"
    ) -> Any:
        """Wait until `found()` returns something truthy; return it."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not (result := found()):
                left = deadline - time.monotonic()
                if left <= 0:
                    texts = [m.text[:120] for m in self.sent[-8:]]
                    raise AssertionError(f"waited {timeout}s for {what}; last sent: {texts}")
                try:
                    await asyncio.wait_for(self._changed.wait(), left)
                except TimeoutError:
                    pass
        return result

    async def wait_for_text(self, chat_id: int, part: str, timeout: float = 30.0) -> Sent:
        return await self.wait_for(
            lambda: next((m for m in self.chat(chat_id) if part in m.text), None),
            timeout,
            what=repr(part),
        )

    # ---- the Bot API ------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append((method, params))
        if retry := self._failures.get(method):
            wait = retry.pop(0)
            return _error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, f"Not Found: method {method}")
        result = await handler(params)
        if isinstance(result, web.Response):
            return result
        await self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _api_getMe(self, params: Json) -> Json:
        return _user(BOT_ID, is_bot=True) | {"username": "fake_orchestrator_bot"}

    async def _api_getUpdates(self, params: Json) -> list[Json]:
        offset = int(params.get("offset", 0))
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        deadline = time.monotonic() + float(params.get("timeout", 0))
        async with self._changed:
            while not self.updates and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
        allowed = params.get("allowed_updates")
        kinds = set(json.loads(allowed)) if allowed else None
        return [u for u in self.updates if kinds is None or set(u) - {"update_id"} <= kinds]

    async def _api_sendMessage(self, params: Json) -> Json:
        chat_id = int(params["chat_id"])
        text = params["text"]
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if len(text) > 4096:
            return _error(400, "Bad Request: message is too long")
        sent = Sent(chat_id, next(self._message_ids), text, _markup(params))
        self.sent.append(sent)
        self._ack(f"chat:{chat_id}")
        return _message_json(sent)

    async def _api_editMessageText(self, params: Json) -> Json | web.Response:
        sent = self.message(int(params["chat_id"]), int(params["message_id"]))
        if sent is None:
            return _error(400, "Bad Request: message to edit not found")
        if sent.text == params["text"] and sent.markup == _markup(params):
            return _error(400, "Bad Request: message is not modified")
        sent.text, sent.markup, sent.edits = params["text"], _markup(params), sent.edits + 1
        return _message_json(sent)

    async def _api_editMessageReplyMarkup(self, params: Json) -> Json | web.Response:
        sent = self.message(int(params["chat_id"]), int(params["message_id"]))
        if sent is None:
            return _error(400, "Bad Request: message to edit not found")
        sent.markup, sent.edits = _markup(params), sent.edits + 1
        return _message_json(sent)

    async def _api_answerCallbackQuery(self, params: Json) -> bool:
        self.callback_answers.append(params)
        self._ack(f"query:{params['callback_query_id']}")
        return True

    async def _api_deleteMessage(self, params: Json) -> bool:
        self.deleted.append((int(params["chat_id"]), int(params["message_id"])))
        return True

    async def _api_setMyCommands(self, params: Json) -> bool:
        self.commands = json.loads(params["commands"])
        return True

    async def _api_deleteWebhook(self, params: Json) -> bool:
        self.webhook = ""
        return True

    async def _api_setWebhook(self, params: Json) -> bool:
        self.webhook = params["url"]
        return True

    def _ack(self, key: str) -> None:
        if (update_id := self._pending_ack.pop(key, None)) is not None:
            self.acked.setdefault(update_id, time.perf_counter())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()


def _user(user_id: int, *, is_bot: bool = False) -> Json:
    return {"id": user_id, "is_bot": is_bot, "first_name": "Bot" if is_bot else "Ann"}


def _markup(params: Json) -> Json | None:
    raw = params.get("reply_markup")
    return json.loads(raw) if isinstance(raw, str) else raw


def _message_json(sent: Sent) -> Json:
    message: Json = {
        "message_id": sent.message_id,
        "date": int(time.time()),
        "chat": {"id": sent.chat_id, "type": "private"},
        "from": _user(BOT_ID, is_bot=True),
        "text": sent.text,
    }
    if sent.markup and "inline_keyboard" in sent.markup:
        message["reply_markup"] = sent.markup
    return message


def _error(code: int, description: str, **parameters: Any) -> web.Response:
    body: Json = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code if code != 429 else 429)


async def _params(request: web.Request) -> Json:
    if request.content_type == "application/json":
        return dict(await request.json())
    form = await request.post()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def _chat_on_stdin(token: str, port: int, user: int) -> None:
    """Serve on `port` and be user `user`: lines you type are messages; `!N` presses button N."""
    fake = FakeTelegram(token)
    runner = web.AppRunner(fake.app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print(f"fake Bot API on http://127.0.0.1:{port}; you are Telegram user {user}")
    print(f"start the bot: TELEGRAM_BOT_TOKEN='{token}' TELEGRAM_API_BASE=http://127.0.0.1:{port}")
    print(f"               TELEGRAM_ADMINS={user} orchestrator up")
    buttons: list[tuple[Sent, str]] = []
    shown: dict[int, str] = {}

    async def show() -> None:
        while True:
            await fake.wait_for(lambda: any(shown.get(id(m)) != m.text for m in fake.sent), 3600)
            for m in fake.sent:
                if shown.get(id(m)) != m.text:
                    shown[id(m)] = m.text
                    print(f"\n[{m.message_id}]{' (edited)' if m.edits else ''} {m.text}")
                    for label, data in m.buttons():
                        buttons.append((m, data))
                        print(f"   !{len(buttons) - 1}  {label}")

    printer = asyncio.create_task(show())
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        text = line.strip()
        if text.startswith("!") and text[1:].isdigit() and int(text[1:]) < len(buttons):
            message, data = buttons[int(text[1:])]
            fake.press(user, message, data)
        elif text.startswith("^") and " " in text:  # ^N answer: reply to message N
            number, answer = text[1:].split(" ", 1)
            fake.say(user, answer, reply_to=int(number))
        elif text:
            fake.say(user, text)
    printer.cancel()
    await runner.cleanup()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="A fake Telegram Bot API server to chat with.")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--user", type=int, default=1001)
    parser.add_argument("--token", default="123456789:AAHlocalFakeTokenForTrying_0123456789")
    args = parser.parse_args()
    asyncio.run(_chat_on_stdin(args.token, args.port, args.user))
