"""Odd and malformed updates, fed one by one: no crash, one short answer at most, no trace."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bot import texts
from tests.bot.conftest import ADMIN, STRANGER, BotStack

_ids = itertools.count(10_000)
Json = dict[str, Any]
PRIVATE = {"id": ADMIN, "type": "private"}
GROUP = {"id": -100123, "type": "group", "title": "team"}
SUPERGROUP = {"id": -100456, "type": "supergroup", "title": "big team"}
CHANNEL = {"id": -100789, "type": "channel", "title": "news"}
PHOTO = [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]
FILE = {"file_id": "f1", "file_unique_id": "u2"}


def msg(
    text: str | None = None, *, user: int = ADMIN, chat: Json | None = None, **fields: Any
) -> Json:
    body: Json = {
        "message_id": next(_ids),
        "date": 0,
        "chat": chat or {**PRIVATE, "id": user},
        "from": {"id": user, "is_bot": False, "first_name": "Ann"},
        **fields,
    }
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            body["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
    return {"message": body}


def press(data: str | None, *, user: int = ADMIN) -> Json:
    query: Json = {
        "id": f"q{next(_ids)}",
        "from": {"id": user, "is_bot": False, "first_name": "Ann"},
        "chat_instance": "ci",
        "message": {"message_id": 1, "date": 0, "chat": {**PRIVATE, "id": user}, "text": "old"},
    }
    if data is not None:
        query["data"] = data
    return {"callback_query": query}


CASES: list[tuple[str, Json]] = [
    (
        "sticker",
        msg(
            sticker={
                **FILE,
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        ),
    ),
    ("photo", msg(photo=PHOTO)),
    ("photo with caption", msg(photo=PHOTO, caption="my idea is this picture")),
    ("voice", msg(voice={**FILE, "duration": 3})),
    ("video", msg(video={**FILE, "width": 1, "height": 1, "duration": 1})),
    ("video note", msg(video_note={**FILE, "length": 1, "duration": 1})),
    ("audio", msg(audio={**FILE, "duration": 1})),
    ("document", msg(document=FILE)),
    ("animation", msg(animation={**FILE, "width": 1, "height": 1, "duration": 1})),
    (
        "poll",
        msg(
            poll={
                "id": "p",
                "question": "?",
                "options": [{"text": "a", "voter_count": 0, "persistent_id": "o1"}],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
                "allows_revoting": False,
                "members_only": False,
            }
        ),
    ),
    ("location", msg(location={"latitude": 59.9, "longitude": 10.7})),
    (
        "venue",
        msg(venue={"location": {"latitude": 1.0, "longitude": 2.0}, "title": "t", "address": "a"}),
    ),
    ("contact", msg(contact={"phone_number": "+100", "first_name": "Bo"})),
    ("dice", msg(dice={"emoji": "🎲", "value": 3})),
    ("10k-char text", msg("x" * 10_000)),
    ("10k emoji", msg("😀" * 10_000)),
    ("/new with 5000 chars", msg("/new " + "word " * 1000)),
    ("unknown command", msg("/frobnicate now")),
    ("command for another bot", msg("/help@some_other_bot")),
    ("command for this bot", msg("/help@fake_orchestrator_bot")),
    ("/new without idea", msg("/new")),
    ("/status of nothing", msg("/status nosuchproject")),
    ("/status with none followed", msg("/status")),
    ("/cancel of nothing", msg("/cancel nosuchproject")),
    ("/cancel without project", msg("/cancel")),
    ("/rollback without project", msg("/rollback")),
    ("/rollback of nothing", msg("/rollback nosuchproject")),
    ("/inbox when empty", msg("/inbox")),
    ("/projects", msg("/projects")),
    ("/start again", msg("/start")),
    ("only control characters", msg("\u0000\u0007\u001b")),
    ("only whitespace", msg("   \n\t  ")),
    ("lone surrogate", msg("idea \ud800 here")),
    ("html-looking idea", msg("<b>bold</b> <script>alert(1)</script> & co")),
    ("zero-width and RTL", msg("\u200b\u200f\u202e weird idea")),
    (
        "reply to an unknown message",
        msg(
            "hello there friend",
            reply_to_message={"message_id": 5, "date": 0, "chat": PRIVATE, "text": "x"},
        ),
    ),
    (
        "forwarded text",
        msg(
            "a forwarded idea for a pastebin",
            forward_origin={"type": "hidden_user", "date": 0, "sender_user_name": "X"},
        ),
    ),
    ("edited message", {"edited_message": msg("changed my mind")["message"] | {"edit_date": 1}}),
    (
        "edited message in a group",
        {"edited_message": msg("x", chat=GROUP)["message"] | {"edit_date": 1}},
    ),
    ("group text", msg("build a thing", chat=GROUP)),
    ("group command", msg("/help", chat=GROUP)),
    ("supergroup text", msg("build a thing", chat=SUPERGROUP)),
    ("group: a stranger", msg("hi bot", user=STRANGER, chat=GROUP)),
    (
        "group service message",
        msg(chat=GROUP, new_chat_members=[{"id": 5, "is_bot": False, "first_name": "N"}]),
    ),
    ("pinned service message", msg(pinned_message={"message_id": 1, "date": 0, "chat": PRIVATE})),
    (
        "channel post",
        {"channel_post": {"message_id": 1, "date": 0, "chat": CHANNEL, "text": "news"}},
    ),
    (
        "edited channel post",
        {
            "edited_channel_post": {
                "message_id": 1,
                "date": 0,
                "chat": CHANNEL,
                "text": "n",
                "edit_date": 1,
            }
        },
    ),
    (
        "message from a bot",
        {
            "message": msg("I am a bot")["message"]
            | {"from": {"id": 777, "is_bot": True, "first_name": "B"}}
        },
    ),
    (
        "message without a sender",
        {"message": {k: v for k, v in msg("who am i")["message"].items() if k != "from"}},
    ),
    (
        "stranger: sticker",
        msg(
            user=STRANGER,
            sticker={
                **FILE,
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            },
        ),
    ),
    ("stranger: bad invite", msg("/start not-a-real-code", user=STRANGER)),
    ("stranger: huge invite", msg("/start " + "A" * 500, user=STRANGER)),
    ("stranger: button", press("d:a-x-1:approve", user=STRANGER)),
    ("tampered: unknown item", press("d:a-000000000000-9:approve")),
    ("tampered: wrong prefix", press("zz:whatever")),
    ("tampered: missing choice", press("d:a-x-1")),
    ("tampered: extra fields", press("d:a:b:c:d:e")),
    ("tampered: binary junk", press("\u0000\u00ff\ud7ff")),
    ("tampered: empty", press("")),
    ("no data at all", press(None)),
    (
        "inline query",
        {
            "inline_query": {
                "id": "iq",
                "from": {"id": ADMIN, "is_bot": False, "first_name": "A"},
                "query": "x",
                "offset": "",
            }
        },
    ),
    (
        "my_chat_member",
        {
            "my_chat_member": {
                "chat": PRIVATE,
                "from": {"id": ADMIN, "is_bot": False, "first_name": "A"},
                "date": 0,
                "old_chat_member": {
                    "status": "member",
                    "user": {"id": 4242, "is_bot": True, "first_name": "B"},
                },
                "new_chat_member": {
                    "status": "kicked",
                    "user": {"id": 4242, "is_bot": True, "first_name": "B"},
                    "until_date": 0,
                },
            }
        },
    ),
]


def test_the_table_is_long_enough():
    assert len(CASES) >= 50


@pytest.mark.parametrize("batch", [0, 1])
async def test_odd_updates_get_a_short_answer_or_none_and_never_a_trace(tg: BotStack, batch: int):
    half = len(CASES) // 2
    for name, update in CASES[batch * half : (batch + 1) * half if batch == 0 else None]:
        before_sent, before_answers = len(tg.fake.sent), len(tg.fake.callback_answers)
        await tg.feed({"update_id": next(_ids), **update})
        replies = [m.text for m in tg.fake.sent[before_sent:]]
        replies += [a.get("text", "") for a in tg.fake.callback_answers[before_answers:]]
        assert len(replies) <= 1, (name, replies)
        if "callback_query" in update:  # answered, so no button spins forever
            assert len(tg.fake.callback_answers) == before_answers + 1, name
        for reply in replies:
            assert texts.OOPS not in reply, (name, "a handler crashed")
            assert "Traceback" not in reply and 'File "' not in reply, (name, reply)
            assert len(reply) < 1200, (name, reply)
