"""What reading a role's model config at every call costs, against the call itself.

    .venv/bin/python -m bench.role_model_overhead [--calls 300]

Configs are read from the database at each model call (so a change applies to the next one
without a restart); this prints milliseconds per call for the offline model alone, the same
behind a role resolver reading SQLite, and LangChain's OpenAI client against the local fake
provider directly and behind the resolver (DB read + secret-store lookup of the key).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from activities.role_models import RoleModel
from adapters.llm.base import ChatMessage, ChatModel
from adapters.llm.langchain_model import LangChainModel
from adapters.llm.providers import build_chat
from adapters.secrets.factory import build_secret_store
from agents.offline_model import OfflineModel
from core.handles import Handle
from core.model_configs import ModelConfig
from core.settings import Settings
from core.vocabulary import ModelRole
from db.engine import create_engine, session_factory
from db.migrate import upgrade_to_head
from services.models import ModelChange, ModelServices
from services.projects import ProjectServices
from tests.fakes.offline_llm import OfflineResponder
from tests.fakes.openai_server import FakeOpenAIServer

_ASK = [ChatMessage("system", "Be brief."), ChatMessage("user", "Say hello.")]


async def per_call_ms(model: ChatModel, calls: int) -> float:
    await model.complete(_ASK)  # warm-up: imports, connections, caches
    started = time.perf_counter()
    for _ in range(calls):
        await model.complete(_ASK)
    return (time.perf_counter() - started) / calls * 1e3


async def run(calls: int, home: Path) -> Table:
    settings = Settings(home=home)
    await asyncio.to_thread(upgrade_to_head, settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    secrets = build_secret_store(settings)
    offline = OfflineModel()
    table = Table("model", "ms per call")

    def role(name: ModelRole) -> RoleModel:
        return RoleModel(
            name, settings=settings, sessions=sessions, secrets=secrets, offline=lambda: offline
        )

    table.add_row("offline model", f"{await per_call_ms(offline, calls):.2f}")
    table.add_row(
        "offline, behind the role resolver", f"{await per_call_ms(role('brainstorm'), calls):.2f}"
    )
    with FakeOpenAIServer(respond=OfflineResponder()) as fake:
        config = ModelConfig("architect", "openai_compatible", "bench", base_url=fake.base_url)
        direct = LangChainModel(
            build_chat(config, api_key="k", timeout_s=10), label="d", model="bench"
        )
        table.add_row(
            "LangChain OpenAI client, fake provider", f"{await per_call_ms(direct, calls):.2f}"
        )
        await asyncio.to_thread(secrets.put, settings.tenant, Handle.secret("_", "BENCH_KEY"), "k")
        models = ModelServices(ProjectServices(settings, sessions, None), secrets)  # type: ignore[arg-type]
        change = ModelChange(
            provider="openai_compatible",
            model="bench",
            base_url=fake.base_url,
            api_key_secret="secret://_/BENCH_KEY",
        )
        await models.set("architect", change)
        table.add_row(
            "the same, behind the role resolver",
            f"{await per_call_ms(role('architect'), calls):.2f}",
        )
    await engine.dispose()
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        Console().print(asyncio.run(run(args.calls, Path(home))))


if __name__ == "__main__":
    main()
