"""`orchestrator eval [SUITE]`: build a suite of ideas end to end and score the results."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from adapters.forge.factory import build_forge
from adapters.sandbox.factory import build_sandbox
from adapters.secrets.factory import build_secret_store
from cli.context import project_services
from cli.demo import ensure_stack
from cli.runner import console, run_command
from core.model_configs import default_config
from core.settings import Settings
from services.evals.report import EvalReport, IdeaResult
from services.evals.runner import EvalRunner
from services.evals.suite import SUITES_DIR, load_suite


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_suite)


def eval_suite(
    suite: Annotated[
        str | None,
        typer.Argument(help=f"a suite file, or the name of one in {SUITES_DIR.name}/ (default)"),
    ] = None,
    parallel: Annotated[
        int, typer.Option("--parallel", "-p", min=1, max=32, help="ideas in the pipeline at once")
    ] = 2,
    keep_live: Annotated[
        bool, typer.Option("--keep-live", help="leave the ideas' services running afterwards")
    ] = False,
) -> None:
    """Build every idea of a suite end to end and report what works: deployed, healthy, its
    own tests, the suite's behaviour checks, time, tokens, cost, and a success rate."""

    async def body(settings: Settings) -> None:
        chosen = load_suite(suite)  # before the stack: a bad suite is reported as such
        if settings.temporal.embedded:  # else TEMPORAL_ADDRESS names a cluster with its workers
            await ensure_stack(settings, console)
        async with project_services(settings) as services:
            secrets = await asyncio.to_thread(build_secret_store, settings)
            runner = EvalRunner(
                services,
                build_forge(
                    settings.forge,
                    root=settings.forge_dir,
                    sessions=services.sessions,
                    tenant_id=settings.tenant,
                    secrets=secrets,
                ),
                build_sandbox(settings.sandbox),
                model_label(settings),
                keep_live=keep_live,
            )
            console.print(
                f"eval [bold]{chosen.name}[/bold]: {len(chosen.ideas)} ideas, "
                f"{parallel} at a time, model {runner.model}"
            )
            report = await runner.run(chosen, parallel=parallel, on_result=_progress)
        saved = report.save(settings.evals_dir)
        console.print(report_table(report))
        console.print(f"results: {saved}")
        if report.passed < len(report.results):
            raise typer.Exit(code=1)

    run_command(body)


def model_label(settings: Settings) -> str:
    """The LLM_* default's label (every role's until one is set)."""
    return default_config("brainstorm", settings.llm).label


def _progress(result: IdeaResult) -> None:
    mark = "[green]passed[/green]" if result.success else "[red]failed[/red]"
    console.print(f"  {result.name}: {mark} in {result.wall_s:.0f}s {escape(result.reason)}")


def report_table(report: EvalReport) -> Table:
    table = Table(
        title=f"eval {report.suite} — {report.model}",
        title_justify="left",
        caption=(
            f"success rate {report.passed}/{len(report.results)} "
            f"({report.success_rate:.0%}) in {report.wall_s:.0f}s"
        ),
        caption_justify="left",
    )
    # Fits 80 columns (a pipe, CI); the project ids are in the JSON.
    table.add_column("idea", no_wrap=True)
    for column in ("live", "health", "tests", "checks", "time", "tokens", "cost"):
        table.add_column(column, no_wrap=True)
    for r in report.results:
        passed = sum(1 for c in r.checks if c.passed)
        row = [
            r.name,
            _mark(r.deployed),
            _mark(r.healthy),
            _mark(r.tests_passed),
            f"{passed}/{len(r.checks)}" if r.deployed else "-",
            f"{r.wall_s:.0f}s",
            str(r.tokens),
            "-" if r.cost_usd is None else f"${r.cost_usd:.2f}",
        ]
        table.add_row(*row)
    # Below the table, where a reason has the whole width to itself.
    reasons = [f"{escape(r.name)}: {escape(r.reason)}" for r in report.results if r.reason]
    table.caption = "\n".join([str(table.caption), *reasons])
    return table


def _mark(ok: bool) -> str:
    return "[green]yes[/green]" if ok else "[red]no[/red]"
