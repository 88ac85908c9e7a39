"""Reviewer: run the pull request's tests in a sandbox, ask the model for a verdict, merge."""

from __future__ import annotations

from temporalio import activity

from activities.context import ActivityContext
from activities.workspace import checkout
from adapters.forge.base import Forge
from adapters.llm.base import ChatModel
from adapters.sandbox.base import CommandResult, Sandbox
from agents.prompts import reviewer_messages
from agents.scaffold import TEST_COMMAND
from agents.schemas import ReviewVerdict
from agents.structured import ask_structured
from agents.text import tail
from core.contracts import MergeResult, PullRequestRef, ReviewResult


def test_report(result: CommandResult) -> str:
    verdict = "PASSED" if result.ok else ("TIMED OUT" if result.timed_out else "FAILED")
    output = (result.stdout + "\n" + result.stderr).strip()
    return f"$ {TEST_COMMAND}\nexit code {result.exit_code}: tests {verdict}\n{tail(output, 6000)}"


class ReviewerActivities:
    def __init__(
        self, ctx: ActivityContext, model: ChatModel, forge: Forge, sandbox: Sandbox
    ) -> None:
        self._ctx = ctx
        self._model = model
        self._forge = forge
        self._sandbox = sandbox

    @activity.defn(name="reviewer.review_pull_request")
    async def review_pull_request(self, ref: PullRequestRef) -> ReviewResult:
        spec = await self._ctx.spec(ref.tenant_id, ref.project_id)
        repo = await self._ctx.repository(self._forge, ref.tenant_id, ref.project_id)
        task_spec = await self._ctx.task_spec(ref.tenant_id, ref.project_id, ref.task_key)
        async with checkout(
            self._ctx.settings.workspaces_dir, repo, f"review-{ref.task_key}", ref.branch
        ) as ws:
            # Host git runs nothing in this checkout afterwards; it is only deleted.
            tests = await self._sandbox.run(ws.tree, TEST_COMMAND, timeout_s=300)
        diff = await self._forge.get_diff(repo=repo, number=ref.pr_number)
        report = test_report(tests)
        verdict, replies = await ask_structured(
            self._model, reviewer_messages(spec, task_spec, diff, report), ReviewVerdict
        )
        # Tests are the gate a model cannot talk its way around.
        approved = verdict.approved and tests.ok
        await self._ctx.record_usage(ref.tenant_id, ref.project_id, "reviewer", replies)
        await self._ctx.record_event(
            ref.tenant_id,
            ref.project_id,
            "review_approved" if approved else "changes_requested",
            f"#{ref.pr_number} {ref.task_key}: {verdict.comments}",
            {"tests_passed": tests.ok, "pr": ref.pr_number},
        )
        return ReviewResult(
            task_key=ref.task_key,
            approved=approved,
            tests_passed=tests.ok,
            comments=verdict.comments if tests.ok else f"{verdict.comments}\n\n{report}",
            breaking=verdict.breaking_change,
        )

    @activity.defn(name="reviewer.merge_pull_request")
    async def merge_pull_request(self, ref: PullRequestRef) -> MergeResult:
        repo = await self._ctx.repository(self._forge, ref.tenant_id, ref.project_id)
        pr = await self._forge.merge_pull_request(repo=repo, number=ref.pr_number)
        await self._ctx.update_task(
            ref.tenant_id,
            ref.project_id,
            ref.task_key,
            event="pull_request_merged",
            message=f"#{pr.number} merged as {pr.merge_sha}",
            status="merged",
        )
        return MergeResult(task_key=ref.task_key, merge_sha=pr.merge_sha or "")
