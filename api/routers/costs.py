"""Costs and budgets over HTTP: `/costs`, `/projects/{id}/costs`, and the budgets to set."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ServicesDep
from api.errors import responses
from api.params import ProjectIdPath
from core.budgets import BudgetScope, BudgetState
from services.costs import CostLine, CostReport, cost_report, set_budget

router = APIRouter(tags=["costs"])


class CostLinePublic(BaseModel):
    key: str = Field(description="the project id, role, model or day (YYYY-MM-DD) it sums")
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


class BudgetPublic(BaseModel):
    scope: BudgetScope
    limit_usd: float
    spent_usd: float
    exhausted: bool = Field(description="true: the next model step pauses and asks the owner")


class CostsPublic(BaseModel):
    tenant_id: str
    project_id: str | None = Field(description="null: the whole tenant")
    total: CostLinePublic
    by_project: list[CostLinePublic]
    by_role: list[CostLinePublic]
    by_model: list[CostLinePublic]
    by_day: list[CostLinePublic]
    budgets: list[BudgetPublic]


class BudgetIn(BaseModel):
    # Only documented here: the service refuses 0 and less (and infinity) with a sentence.
    limit_usd: float = Field(
        description="the budget in US$ for model calls, more than 0",
        strict=True,  # `true` is not an amount of money
        json_schema_extra={"exclusiveMinimum": 0},
    )


def _line(line: CostLine) -> CostLinePublic:
    return CostLinePublic(**vars(line))


def _budget(state: BudgetState) -> BudgetPublic:
    return BudgetPublic(
        scope=state.scope,
        limit_usd=state.limit_usd,
        spent_usd=state.spent_usd,
        exhausted=state.exhausted,
    )


def _public(report: CostReport) -> CostsPublic:
    return CostsPublic(
        tenant_id=report.tenant_id,
        project_id=report.project_id,
        total=_line(report.total),
        by_project=[_line(x) for x in report.by_project],
        by_role=[_line(x) for x in report.by_role],
        by_model=[_line(x) for x in report.by_model],
        by_day=[_line(x) for x in report.by_day],
        budgets=[_budget(b) for b in report.budgets],
    )


@router.get("/costs", responses=responses(503))
async def tenant_costs(services: ServicesDep) -> CostsPublic:
    return _public(await cost_report(services))


@router.get("/projects/{project_id}/costs", responses=responses(404, 422, 503))
async def project_costs(project_id: ProjectIdPath, services: ServicesDep) -> CostsPublic:
    return _public(await cost_report(services, project_id))


@router.put("/budget", responses=responses(400, 422, 503))
async def set_tenant_budget(body: BudgetIn, services: ServicesDep) -> BudgetPublic:
    return _budget(await set_budget(services, body.limit_usd, set_by=services.settings.user))


@router.put("/projects/{project_id}/budget", responses=responses(400, 404, 422, 503))
async def set_project_budget(
    project_id: ProjectIdPath, body: BudgetIn, services: ServicesDep
) -> BudgetPublic:
    return _budget(
        await set_budget(
            services, body.limit_usd, project_id=project_id, set_by=services.settings.user
        )
    )
