"""What costs and budgets add to a model-using activity: the budget check before it asks the
model, and pricing plus the 80 % look after it records the usage.

    .venv/bin/python -m bench.budget_check [--calls 200] [--rows 0,1000,10000] [--database-url URL]

On a migrated SQLite database in a temporary directory (or the given one), with a project and
tenant budget set and ROWS earlier calls already recorded, prints milliseconds per check and
per recorded call (p50 / p95).
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

from activities.context import ActivityContext
from adapters.llm.base import ModelReply, Usage
from core.settings import CostSettings, Settings
from db.engine import create_engine, session_factory, transaction
from db.migrate import upgrade_to_head
from db.models import LLMUsage
from db.repositories import budgets, projects, tenants


async def measure(url: str, home: Path, rows: int, calls: int) -> tuple[list[float], list[float]]:
    await asyncio.to_thread(upgrade_to_head, url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    tenant = f"bench-{rows}"
    async with transaction(sessions) as session:
        await tenants.ensure_tenant(session=session, tenant_id=tenant)
        project = await projects.create(session=session, tenant_id=tenant, name="b", idea="b")
        await budgets.put(session=session, tenant_id=tenant, project_id=project.id, limit_usd=1e9)
        await budgets.put(session=session, tenant_id=tenant, limit_usd=1e9)
        for _ in range(rows):
            session.add(LLMUsage(tenant_id=tenant, project_id=project.id, agent="a", model="m"))
    settings = Settings(home=home, tenant=tenant, costs=CostSettings())
    ctx = ActivityContext(settings, sessions, secrets=None)  # type: ignore[arg-type]
    reply = ModelReply(content="", usage=Usage(1200, 300), model="gpt-5-mini")
    checks, records = [], []
    for _ in range(calls):
        started = time.perf_counter()
        await ctx.ensure_budget(tenant, project.id)
        checks.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        await ctx.record_usage(tenant, project.id, "developer:T1", [reply])
        records.append((time.perf_counter() - started) * 1000)
    await engine.dispose()
    return checks, records


def _p(values: list[float]) -> str:
    cuts = statistics.quantiles(values, n=20)
    return f"{statistics.median(values):.2f} / {cuts[18]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rows", default="0,1000,10000")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    table = Table("earlier calls", "budget check ms (p50 / p95)", "record + price ms (p50 / p95)")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        for rows in (int(r) for r in args.rows.split(",")):
            checks, records = asyncio.run(measure(url, Path(tmp), rows, args.calls))
            table.add_row(str(rows), _p(checks), _p(records))
    Console().print(table)


if __name__ == "__main__":
    main()
