"""Run a suite: each idea submitted as `orchestrator new` would, followed to its end with the
suite playing the owner, then measured: deployed, healthy, its own tests, the suite's checks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from adapters.forge.base import Forge
from adapters.sandbox.base import Sandbox
from core.errors import OrchestratorError
from db.models import Project
from services.evals.checks import run_checks
from services.evals.owner import Followed, SuiteOwner, follow
from services.evals.project_tests import run_project_tests
from services.evals.report import EvalReport, IdeaResult
from services.evals.suite import EvalIdea, EvalSuite
from services.evals.usage import project_spend
from services.projects import ProjectServices
from services.releases import ReleaseServices


@dataclass(frozen=True)
class EvalRunner:
    services: ProjectServices
    forge: Forge
    sandbox: Sandbox
    model: str  # the model this process's settings name, until the worker reports its own
    # Measured services are stopped afterwards (a 12-idea suite would leave 12 running);
    # `--keep-live` leaves them serving to look at.
    keep_live: bool = False

    async def run(
        self,
        suite: EvalSuite,
        *,
        parallel: int = 2,
        on_result: Callable[[IdeaResult], None] | None = None,
    ) -> EvalReport:
        """At most `parallel` ideas are in the pipeline at once."""
        report = EvalReport(
            suite.name, self.model, parallel, datetime.now(UTC).isoformat(timespec="seconds")
        )
        start = time.monotonic()
        gate = asyncio.Semaphore(parallel)

        async def one(idea: EvalIdea) -> IdeaResult:
            async with gate:
                try:
                    result = await self.run_idea(suite, idea)
                except Exception as err:  # one idea's fault must not stop the others
                    result = IdeaResult(idea.name, idea.idea, reason=f"eval failed: {_said(err)}")
            if on_result is not None:
                on_result(result)
            return result

        report.results = list(await asyncio.gather(*(one(idea) for idea in suite.ideas)))
        # What the worker says it used beats what this process's settings would choose.
        reported = sorted({r.model for r in report.results if r.model})
        report.model = ", ".join(reported) or report.model
        report.wall_s = time.monotonic() - start
        return report

    async def run_idea(self, suite: EvalSuite, idea: EvalIdea) -> IdeaResult:
        result = IdeaResult(idea.name, idea.idea)
        start = time.monotonic()
        try:
            project = await self.services.submit(idea.idea)
        except OrchestratorError as err:
            result.reason = f"not submitted: {err}"
            return result
        result.project_id = project.id
        owner = SuiteOwner(idea, suite.defaults)
        followed = await follow(self.services, project, owner, suite.timeout_of(idea))
        result.wall_s = round(time.monotonic() - start, 1)  # idea to live (or to its end)
        if followed.timed_out or followed.stuck:
            await self._cancel(followed)
        project = followed.project
        result.model = followed.model_label
        result.status = project.status
        result.deployed = project.status == "completed" and bool(project.live_url)
        unmeasured = ""
        if result.deployed and project.live_url:
            unmeasured = await self.measure_and_stop(result, followed, idea)
        spend = await project_spend(
            self.services.sessions, tenant_id=project.tenant_id, project_id=project.id
        )
        result.prompt_tokens, result.completion_tokens = (
            spend.prompt_tokens,
            spend.completion_tokens,
        )
        result.cost_usd = spend.cost_usd
        result.reason = unmeasured or _reason(result, followed, suite.timeout_of(idea))
        return result

    async def measure_and_stop(self, result: IdeaResult, followed: Followed, idea: EvalIdea) -> str:
        """Measure a live idea, then stop its service (unless kept live); a measuring fault
        (a clone or sandbox error) comes back as the idea's reason, not a stop of the eval."""
        try:
            await self._measure(result, followed, idea)
        except Exception as err:
            return f"not measured: {_said(err)}"
        finally:
            if not self.keep_live:
                await self._stop(followed.project)
        return ""

    async def _measure(self, result: IdeaResult, followed: Followed, idea: EvalIdea) -> None:
        project = followed.project
        url = project.live_url or ""
        settings = self.services.settings
        result.healthy = await _healthy(url + settings.deploy.health_path)
        tests = await run_project_tests(
            project=project,
            forge=self.forge,
            sandbox=self.sandbox,
            workdir=settings.workspaces_dir / "evals",
            owner=settings.forge.owner,
            timeout_s=settings.sandbox.command_timeout_s,
        )
        result.tests_passed, result.tests_summary = tests.passed, tests.summary
        result.checks = await run_checks(url, idea.checks)

    async def _stop(self, project: Project) -> None:
        try:
            await ReleaseServices(self.services).stop(project.id, tenant_id=project.tenant_id)
        except OrchestratorError:
            pass  # stopped meanwhile, or its live lock is busy: `orchestrator stop` later

    async def _cancel(self, followed: Followed) -> None:
        """An idea the eval stopped waiting for must not keep a worker busy."""
        try:
            await self.services.cancel(followed.project.id, tenant_id=followed.project.tenant_id)
        except OrchestratorError:
            pass  # it ended meanwhile


async def _healthy(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            return (await http.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


def _said(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


def _reason(result: IdeaResult, followed: Followed, timeout_s: float) -> str:
    """The first thing that went wrong, in words; empty for a success."""
    if followed.gave_up:
        return followed.gave_up
    if followed.timed_out:
        return f"not finished after {timeout_s:.0f}s (status {result.status})"
    if not result.deployed:
        return f"ended {result.status}: {followed.project.error or 'no live URL'}"
    if not result.healthy:
        return "deployed but its health check does not answer 200"
    if not result.tests_passed:
        return f"its own tests fail: {result.tests_summary}"
    failed = [f"{c.name}: {c.reason}" for c in result.checks if not c.passed]
    return "; ".join(failed)
