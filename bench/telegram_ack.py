"""How fast the bot acknowledges: from an update arriving at the (fake) Bot API server to the
bot's answer reaching it, by long polling through the real aiogram client, one at a time.

Every update goes the whole way a real one does: getUpdates, the update-once record in the DB,
the member lookup, the handler, sendMessage (messages) or answerCallbackQuery (buttons).

    .venv/bin/python -m bench.telegram_ack [--updates 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import uuid
from pathlib import Path

from aiohttp import web
from temporalio.testing import WorkflowEnvironment

from adapters.secrets.factory import build_secret_store
from adapters.secrets.history_keys import history_converter
from bot.app import BotServices, bot_client, run_bot
from core.settings import Settings, TelegramSettings, TemporalSettings
from db.engine import create_engine, session_factory
from db.migrate import upgrade_to_head
from services.projects import ProjectServices
from tests.fakes.telegram_server import FakeTelegram
from tests.temporal_env import DEV_SERVER

TOKEN = "123456789:AAHbenchTokenNotARealOne_0123456789abc"
ADMIN = 1001


async def main(count: int) -> None:
    fake = FakeTelegram(TOKEN)
    runner = web.AppRunner(fake.app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(
            home=Path(home),
            temporal=TemporalSettings(task_queue=f"bench-{uuid.uuid4()}"),
            telegram=TelegramSettings(bot_token=TOKEN, api_base=base, admins=[ADMIN]),
        )
        await asyncio.to_thread(upgrade_to_head, settings.database_url)
        engine = create_engine(settings.database_url)
        env = await WorkflowEnvironment.start_local(
            data_converter=history_converter(build_secret_store(settings)),
            dev_server_existing_path=str(DEV_SERVER),
        )
        services = BotServices.of(ProjectServices(settings, session_factory(engine), env.client))
        stop = asyncio.Event()
        bot = asyncio.create_task(run_bot(bot_client(settings.telegram), services, stop))
        try:
            await fake.wait_for(lambda: fake.commands, what="the bot to start")
            messages = await _measure(fake, count // 2, button=False)
            buttons = await _measure(fake, count - count // 2, button=True)
        finally:
            stop.set()
            await bot
            await env.shutdown()
            await engine.dispose()
            await runner.cleanup()
    _report("message → reply", messages)
    _report("button → answer", buttons)
    _report("all", messages + buttons)


async def _measure(fake: FakeTelegram, count: int, *, button: bool) -> list[float]:
    latencies = []
    for _ in range(count + 5):  # the first few warm up connections and caches
        if button:
            sent = fake.chat(ADMIN)[-1]
            update_id = fake.press(ADMIN, sent, "d:no-such-item:approve")
        else:
            update_id = fake.say(ADMIN, "/help")
        await fake.wait_for(lambda u=update_id: u in fake.acked, timeout=10)  # type: ignore[misc]
        latencies.append((fake.acked[update_id] - fake.arrived[update_id]) * 1000)
    return latencies[5:]


def _report(what: str, latencies: list[float]) -> None:
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{what:16} n={len(latencies):3}  p50={cuts[49]:6.1f} ms  p95={cuts[94]:6.1f} ms  "
        f"max={max(latencies):6.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=200)
    asyncio.run(main(parser.parse_args().updates))
