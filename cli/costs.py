"""`orchestrator costs [PROJECT]` and `orchestrator budget set|show`: what models cost, and the
limits on it."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Group
from rich.table import Table

from cli.context import project_services
from cli.runner import console, run_command
from core.budgets import BudgetState, amount_problem, parse_amount
from core.errors import InvalidInput
from core.settings import Settings
from services.costs import CostLine, CostReport, cost_report, set_budget

budget_app = typer.Typer(no_args_is_help=True, help="Budgets on model spending (US$).")

Tenant = Annotated[bool, typer.Option("--tenant", help="the tenant's budget, over all projects")]


def costs(
    project_id: Annotated[
        str | None, typer.Argument(help="a project id; none: the whole tenant")
    ] = None,
) -> None:
    """Tokens and US$ spent on models, by project, role, model and day, with the budgets."""

    async def body(settings: Settings) -> None:
        async with project_services(settings) as services:
            report = await cost_report(services, project_id)
        console.print(cost_view(report))

    run_command(body)


@budget_app.command("set")
def budget_set(
    target: Annotated[str, typer.Argument(help="the project id (the amount with --tenant)")],
    amount: Annotated[str | None, typer.Argument(help="US$, e.g. 25 or 25.50")] = None,
    tenant: Tenant = False,
) -> None:
    """Set a project's budget (`budget set PROJECT 25`) or the tenant's (`--tenant 100`)."""

    async def body(settings: Settings) -> None:
        if tenant and amount is not None:
            raise InvalidInput("with --tenant give only the amount, no project")
        if not tenant and amount is None:
            raise InvalidInput("give the project and the amount (or --tenant AMOUNT)")
        typed = target if tenant else str(amount)
        limit = parse_amount(typed)
        problem = amount_problem(limit)
        if problem or limit is None:
            raise InvalidInput(f"'{typed}': {problem}")
        async with project_services(settings) as services:
            state = await set_budget(
                services, limit, project_id=None if tenant else target, set_by=settings.user
            )
        who = "the tenant" if tenant else f"project {target}"
        console.print(f"budget of {who}: {_budget_text(state)}")

    run_command(body)


def cost_view(report: CostReport) -> Group:
    total = report.total
    scope = f"project {report.project_id}" if report.project_id else f"tenant {report.tenant_id}"
    header = Table.grid(padding=(0, 2))
    header.add_row("costs of", scope)
    header.add_row("spent", f"${total.cost_usd:.4f}  ({total.calls} model calls)")
    header.add_row("tokens", f"{total.prompt_tokens} in, {total.completion_tokens} out")
    for state in report.budgets:
        header.add_row(f"{state.scope} budget", _budget_text(state))
    parts: list[Any] = [header]
    groups = [("role", report.by_role), ("model", report.by_model), ("day", report.by_day)]
    if report.project_id is None:
        groups.insert(0, ("project", report.by_project))
    for name, lines in groups:
        if lines:
            parts.append(_table(name, lines))
    return Group(*parts)


def _table(name: str, lines: list[CostLine]) -> Table:
    table = Table(title=f"by {name}", title_justify="left")
    for column in (name, "calls", "tokens in", "tokens out", "US$"):
        table.add_column(column, justify="left" if column == name else "right")
    for line in lines:
        table.add_row(
            line.key,
            str(line.calls),
            str(line.prompt_tokens),
            str(line.completion_tokens),
            f"{line.cost_usd:.4f}",
        )
    return table


def _budget_text(state: BudgetState) -> str:
    used = state.spent_usd / state.limit_usd if state.limit_usd else 0.0
    text = f"${state.limit_usd:.2f}, spent ${state.spent_usd:.4f} ({used:.0%})"
    return (
        f"{text} — used up: the project pauses at its next model step" if state.exhausted else text
    )


def register(app: typer.Typer) -> None:
    app.command()(costs)
    app.add_typer(budget_app, name="budget")
