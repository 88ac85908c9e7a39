"""What model calls cost: roll-ups per project, role, model and day, and the budgets on them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from activities.budget import budget_states
from core.budgets import BudgetState, amount_problem
from core.errors import InvalidInput
from db.engine import transaction
from db.repositories import budgets, tenants, usage
from services.projects import ProjectServices

Row = tuple[str | None, str, str, date, int, int, float]


@dataclass(frozen=True)
class CostLine:
    key: str  # a project id, a role, a model or a day (YYYY-MM-DD)
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


@dataclass(frozen=True)
class CostReport:
    tenant_id: str
    project_id: str | None  # None: the whole tenant
    total: CostLine
    by_project: list[CostLine]
    by_role: list[CostLine]
    by_model: list[CostLine]
    by_day: list[CostLine]
    budgets: list[BudgetState]


def role_of(agent: str) -> str:
    """Usage rows name a developer with its task (`developer:T1`); the role is `developer`."""
    return agent.split(":", 1)[0]


async def cost_report(
    projects: ProjectServices, project_id: str | None = None, *, tenant_id: str | None = None
) -> CostReport:
    """A project's costs (checked against the caller's tenant), or the whole tenant's."""
    tenant = tenant_id or projects.settings.tenant
    if project_id is not None:
        tenant = (await projects.get(project_id, tenant_id=tenant)).tenant_id
    async with transaction(projects.sessions) as session:
        rows = await usage.rows_for_rollup(session=session, tenant_id=tenant, project_id=project_id)
        states = await budget_states(session, projects.settings.costs, tenant, project_id)
    return CostReport(
        tenant_id=tenant,
        project_id=project_id,
        total=_line("total", rows),
        by_project=_group(rows, lambda r: r[0] or "(none)"),
        by_role=_group(rows, lambda r: role_of(r[1])),
        by_model=_group(rows, lambda r: r[2]),
        by_day=sorted(_group(rows, lambda r: r[3].isoformat()), key=lambda line: line.key),
        budgets=states,
    )


async def project_cost(projects: ProjectServices, project_id: str, tenant_id: str) -> float:
    async with transaction(projects.sessions) as session:
        return await usage.spent(session=session, tenant_id=tenant_id, project_id=project_id)


async def set_budget(
    projects: ProjectServices,
    limit_usd: float,
    *,
    project_id: str | None = None,
    tenant_id: str | None = None,
    set_by: str = "",
) -> BudgetState:
    """A project's budget, or (without a project) the tenant's; refused when not above 0.

    Setting it below what is spent is allowed: the next model step pauses and asks."""
    problem = amount_problem(limit_usd)
    if problem:
        raise InvalidInput(problem)
    tenant = tenant_id or projects.settings.tenant
    if project_id is not None:
        tenant = (await projects.get(project_id, tenant_id=tenant)).tenant_id
    async with transaction(projects.sessions) as session:
        await tenants.ensure_tenant(session=session, tenant_id=tenant)  # before its first project
        await budgets.put(
            session=session,
            tenant_id=tenant,
            project_id=project_id or budgets.TENANT_WIDE,
            limit_usd=limit_usd,
            set_by=set_by,
        )
        spent = await usage.spent(session=session, tenant_id=tenant, project_id=project_id)
    return BudgetState("project" if project_id else "tenant", limit_usd, spent)


def _group(rows: Iterable[Row], key: Callable[[Row], str]) -> list[CostLine]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    lines = [_line(name, members) for name, members in groups.items()]
    return sorted(lines, key=lambda line: -line.cost_usd)


def _line(key: str, rows: Iterable[Row]) -> CostLine:
    rows = list(rows)
    return CostLine(
        key=key,
        calls=len(rows),
        prompt_tokens=sum(r[4] for r in rows),
        completion_tokens=sum(r[5] for r in rows),
        cost_usd=round(sum(r[6] for r in rows), 6),
    )
