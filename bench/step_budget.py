"""What the budget check between coding steps adds to a session: before each model call the
step records the calls paid so far (each once) and checks the budgets.

    .venv/bin/python -m bench.step_budget [--sessions 8] [--steps 25] [--database-url URL]

On a migrated SQLite database in a temporary directory (or the given one), runs SESSIONS
sessions of STEPS steps through `StepBudget` inside an activity environment (so calls are
keyed as in a worker) and prints milliseconds per step (p50 / p95) by step number range.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from temporalio.testing import ActivityEnvironment

from activities.context import ActivityContext
from activities.step_budget import StepBudget
from adapters.llm.base import ModelReply, Usage
from core.settings import CostSettings, Settings
from db.engine import create_engine, session_factory, transaction
from db.migrate import upgrade_to_head
from db.repositories import budgets, projects, tenants


async def measure(url: str, home: Path, sessions_count: int, steps: int) -> list[list[float]]:
    """Milliseconds per step, one list per step number."""
    await asyncio.to_thread(upgrade_to_head, url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    tenant = "bench-steps"
    async with transaction(sessions) as session:
        await tenants.ensure_tenant(session=session, tenant_id=tenant)
        project = await projects.create(session=session, tenant_id=tenant, name="b", idea="b")
        await budgets.put(session=session, tenant_id=tenant, project_id=project.id, limit_usd=1e9)
        await budgets.put(session=session, tenant_id=tenant, limit_usd=1e9)
    settings = Settings(home=home, tenant=tenant, costs=CostSettings())
    ctx = ActivityContext(settings, sessions, secrets=None)  # type: ignore[arg-type]
    reply = ModelReply(content="", usage=Usage(1200, 300), model="gpt-5-mini")
    per_step: list[list[float]] = [[] for _ in range(steps)]

    async def session_of(index: int) -> None:
        budget = StepBudget(ctx, tenant, project.id, f"developer:T{index}")
        replies: list[ModelReply] = []
        for step in range(steps):
            started = time.perf_counter()
            assert await budget(replies) is None
            per_step[step].append((time.perf_counter() - started) * 1000)
            replies.append(reply)  # the model's answer to this step

    for index in range(sessions_count):
        await ActivityEnvironment().run(session_of, index)
    await engine.dispose()
    return per_step


def _p(values: list[float]) -> str:
    cuts = statistics.quantiles(values, n=20)
    return f"{statistics.median(values):.2f} / {cuts[18]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        per_step = asyncio.run(measure(url, Path(tmp), args.sessions, args.steps))
    table = Table("steps", "check before the step ms (p50 / p95)")
    first, rest = per_step[0], [v for step in per_step[1:] for v in step]
    table.add_row("1 (nothing to record yet)", _p(first) if len(first) > 1 else f"{first[0]:.2f}")
    table.add_row(f"2–{args.steps} (record, then check)", _p(rest))
    Console().print(table)


if __name__ == "__main__":
    main()
