"""Costs against migrated SQLite and PostgreSQL: each call priced when recorded, roll-ups per
project, role, model and day, the 80 % warning once per budget, and the check before model work."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.context import ActivityContext
from adapters.llm.base import ModelReply, Usage
from core.budgets import BUDGET_EXHAUSTED, BudgetState
from core.errors import InvalidInput
from core.model_prices import ModelPrice
from core.settings import CostSettings, Settings
from db.engine import SessionFactory, transaction
from db.models import LLMUsage
from db.repositories import events, projects, tenants
from services.costs import cost_report, set_budget
from services.projects import ProjectServices

TENANT = "acme"


class RecordingNotifier:
    name = "recording"

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, *, text: str, **_: Any) -> None:
        self.sent.append(text)

    async def inbox(self, change: Any, text: str, *, key: str | None = None) -> None:
        self.sent.append(text)

    async def progress(self, update: Any) -> None:
        return None


def reply(model: str, prompt_tokens: int, completion_tokens: int) -> ModelReply:
    return ModelReply(content="", usage=Usage(prompt_tokens, completion_tokens), model=model)


def context(
    sessions: SessionFactory,
    tmp_path: Path,
    notifier: RecordingNotifier | None = None,
    **costs: Any,
) -> ActivityContext:
    settings = Settings(home=tmp_path / "home", tenant=TENANT, costs=CostSettings(**costs))
    # The secret store is not used by usage accounting.
    return ActivityContext(settings, sessions, secrets=None, notifier=notifier)  # type: ignore[arg-type]


async def new_project(sessions: SessionFactory, owner: str = "ann") -> str:
    async with transaction(sessions) as session:
        await tenants.ensure_tenant(session=session, tenant_id=TENANT)
        project = await projects.create(session=session, tenant_id=TENANT, name="w", idea="W")
        project.config = {"owner": owner}
        session.add(project)
        return project.id


async def costs_of(sessions: SessionFactory, project_id: str) -> list[float]:
    async with transaction(sessions) as session:
        rows = await session.exec(
            select(LLMUsage).where(LLMUsage.project_id == project_id).order_by(LLMUsage.id)
        )
        return [row.cost_usd for row in rows.all()]


async def test_each_call_is_priced_when_recorded_and_keeps_its_price(
    sessions: SessionFactory, tmp_path: Path
):
    project = await new_project(sessions)
    # gpt-5.2 at its default $1.75 in / $14 out per million tokens; dated names match too.
    await context(sessions, tmp_path).record_usage(
        TENANT, project, "architect", [reply("gpt-5.2-2025-12-11", 1_000_000, 500_000)]
    )
    prices = tmp_path / "prices.yaml"
    prices.write_text("gpt-5.2: {input: 2, output: 20}\n")
    later = context(sessions, tmp_path, model_prices_file=prices)
    await later.record_usage(TENANT, project, "architect", [reply("gpt-5.2", 1_000_000, 0)])
    assert await costs_of(sessions, project) == [pytest.approx(8.75), pytest.approx(2.0)]

    # A broken file stops the next step before it asks the model ...
    prices.write_text("gpt-5.2: {input: -1, output: 20}\n")
    with pytest.raises(InvalidInput, match="model price table .* is invalid"):
        await later.ensure_budget(TENANT, project)
    prices.write_text("gpt-5.2: [unclosed\n")
    with pytest.raises(InvalidInput, match="is not YAML"):
        await later.ensure_budget(TENANT, project)
    # ... and a call already made is recorded at the settings' prices, with the reason.
    await later.record_usage(TENANT, project, "architect", [reply("gpt-5.2", 1_000_000, 0)])
    assert (await costs_of(sessions, project))[-1] == pytest.approx(1.75)
    async with transaction(sessions) as session:
        found = await events.list_for_project(session=session, tenant_id=TENANT, project_id=project)
    unreadable = [e.message for e in found if e.kind == "model_prices_unreadable"]
    assert len(unreadable) == 1 and f"the model price table {prices} is not YAML" in unreadable[0]


async def test_an_unknown_model_costs_nothing_and_is_warned_about_once(
    sessions: SessionFactory, tmp_path: Path
):
    project = await new_project(sessions)
    ctx = context(sessions, tmp_path)
    for _ in range(2):
        await ctx.record_usage(TENANT, project, "reviewer", [reply("mystery-9000", 1000, 1000)])
    assert await costs_of(sessions, project) == [0.0, 0.0]
    async with transaction(sessions) as session:
        found = await events.list_for_project(session=session, tenant_id=TENANT, project_id=project)
    warnings = [e for e in found if e.kind == "model_unpriced"]
    assert len(warnings) == 1 and "mystery-9000" in warnings[0].message


async def test_costs_roll_up_per_project_role_model_and_day(
    sessions: SessionFactory, tmp_path: Path
):
    first, second = await new_project(sessions), await new_project(sessions)
    ctx = context(sessions, tmp_path, model_prices={"cheap": ModelPrice(input=1, output=2)})
    million = 1_000_000
    await ctx.record_usage(TENANT, first, "brainstorm", [reply("cheap", million, 0)])  # $1
    await ctx.record_usage(TENANT, first, "developer:T1", [reply("cheap", 0, million)])  # $2
    await ctx.record_usage(TENANT, first, "developer:T2", [reply("gpt-4o-mini", million, 0)])
    await ctx.record_usage(TENANT, second, "reviewer", [reply("cheap", 3 * million, 0)])  # $3
    async with transaction(sessions) as session:  # the first project's brainstorm: yesterday
        row = (await session.exec(select(LLMUsage).where(LLMUsage.agent == "brainstorm"))).one()
        day = row.created_at.date()
        row.created_at -= timedelta(days=1)
        session.add(row)
    yesterday, today = (day - timedelta(days=1)).isoformat(), day.isoformat()

    services = ProjectServices(ctx.settings, sessions, client=None)  # type: ignore[arg-type]
    tenant = await cost_report(services)
    assert tenant.total.cost_usd == pytest.approx(6.15) and tenant.total.calls == 4
    assert {x.key: x.cost_usd for x in tenant.by_project} == {
        first: pytest.approx(3.15),
        second: pytest.approx(3.0),
    }
    assert {x.key: x.cost_usd for x in tenant.by_role} == {
        "brainstorm": pytest.approx(1.0),
        "developer": pytest.approx(2.15),  # both tasks' developers
        "reviewer": pytest.approx(3.0),
    }
    assert {x.key: x.cost_usd for x in tenant.by_model} == {
        "cheap": pytest.approx(6.0),
        "gpt-4o-mini": pytest.approx(0.15),
    }
    assert [(x.key, x.cost_usd) for x in tenant.by_day] == [
        (yesterday, pytest.approx(1.0)),
        (today, pytest.approx(5.15)),
    ]
    one = await cost_report(services, first)
    assert one.total.cost_usd == pytest.approx(3.15)
    assert {x.key for x in one.by_role} == {"brainstorm", "developer"}
    assert one.total.prompt_tokens == 2 * million and one.total.completion_tokens == million


async def test_the_owner_is_warned_once_per_budget_and_model_work_stops_at_it(
    sessions: SessionFactory, tmp_path: Path
):
    project = await new_project(sessions)
    notifier = RecordingNotifier()
    ctx = context(sessions, tmp_path, notifier, model_prices={"m": ModelPrice(input=1, output=0)})
    services = ProjectServices(ctx.settings, sessions, client=None)  # type: ignore[arg-type]
    await set_budget(services, 10.0, project_id=project)

    async def spend(usd: float) -> None:
        await ctx.record_usage(TENANT, project, "brainstorm", [reply("m", int(usd * 1e6), 0)])

    await spend(7.0)
    assert notifier.sent == []
    await spend(1.5)  # 85 %
    await spend(0.5)  # 90 %: already told
    assert len(notifier.sent) == 1 and "85% of its project budget $10.00" in notifier.sent[0]
    await ctx.ensure_budget(TENANT, project)  # below 100 %: model work goes on

    await spend(1.0)  # 100 %
    with pytest.raises(ApplicationError) as stopped:
        await ctx.ensure_budget(TENANT, project)
    assert stopped.value.type == BUDGET_EXHAUSTED and stopped.value.non_retryable
    assert BudgetState.from_details(list(stopped.value.details)) == BudgetState(
        "project", 10.0, pytest.approx(10.0)
    )

    await set_budget(services, 12.0, project_id=project)  # a new amount: warned again at 80 %
    await ctx.ensure_budget(TENANT, project)
    await spend(0.1)
    assert len(notifier.sent) == 2 and "of its project budget $12.00" in notifier.sent[1]

    # The tenant's budget counts every project of the tenant.
    await set_budget(services, 10.0)
    with pytest.raises(ApplicationError, match="tenant budget of \\$10.00 reached"):
        await ctx.ensure_budget(TENANT, await new_project(sessions))


async def test_an_attempt_recording_its_calls_again_counts_them_once_and_a_retry_anew(
    sessions: SessionFactory, tmp_path: Path
):
    project = await new_project(sessions)
    ctx = context(sessions, tmp_path)
    calls = [reply("gpt-5.2", 1_000_000, 0), reply("gpt-5.2", 2_000_000, 0)]
    first = ActivityEnvironment()
    await first.run(ctx.record_usage, TENANT, project, "developer:t1", calls)
    await first.run(ctx.record_usage, TENANT, project, "developer:t1", calls)
    assert await costs_of(sessions, project) == [pytest.approx(1.75), pytest.approx(3.5)]

    # Temporal's retry makes the calls again, and pays for them again.
    retry = ActivityEnvironment()
    retry.info = replace(retry.info, attempt=2)
    await retry.run(ctx.record_usage, TENANT, project, "developer:t1", calls[:1])
    assert len(await costs_of(sessions, project)) == 3
