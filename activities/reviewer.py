"""Reviewer: run the pull request's tests in a sandbox, ask the model for a verdict, post it
on the pull request, merge."""

from __future__ import annotations

import asyncio

from temporalio import activity

from activities.context import ActivityContext
from activities.review_comments import review_to_post
from activities.sandbox_owner import sandbox_owner
from activities.workspace import checkout
from adapters.forge import git
from adapters.forge.base import Forge
from adapters.llm.base import ChatModel
from adapters.sandbox.base import CommandResult, Sandbox
from agents.prompts import reviewer_messages
from agents.scaffold import TEST_COMMAND
from agents.schemas import ReviewVerdict
from agents.structured import ask_structured
from agents.text import tail
from core.contracts import MergeResult, PullRequestRef, ReviewResult, SecretLeak
from core.diff_scan import scan_diff
from core.known_secrets import KNOWN_SECRETS


def leak_report(leaks: list[SecretLeak]) -> str:
    where = "; ".join(str(leak) for leak in leaks)
    return (
        f"secret values in the diff ({where}). Remove them from the code and its history; "
        "read a secret from the environment at run time, never write its value into a file."
    )


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
        await self._ctx.ensure_budget(ref.tenant_id, ref.project_id)
        spec = await self._ctx.spec(ref.tenant_id, ref.project_id)
        repo = await self._ctx.repository(self._forge, ref.tenant_id, ref.project_id)
        task_spec = await self._ctx.task_spec(ref.tenant_id, ref.project_id, ref.task_key)
        async with checkout(
            self._ctx.settings.workspaces_dir,
            repo,
            f"review-{ref.task_key}",
            ref.branch,
            forge=self._forge,
        ) as ws:
            # Read before the sandbox runs; host git runs nothing here afterwards, it is deleted.
            leaks = await self._scan_for_secrets(ref, ws.repo, f"origin/{repo.default_branch}")
            head = await git.rev_parse(ws.repo, "HEAD")  # what the verdict is about
            tests = await self._sandbox.run(
                ws.tree,
                TEST_COMMAND,
                timeout_s=self._ctx.settings.sandbox.command_timeout_s,
                owner=sandbox_owner(ref.tenant_id, ref.project_id, f"review-{ref.task_key}"),
            )
        diff = await self._forge.get_diff(repo=repo, number=ref.pr_number)
        # Masked: the sandbox's output is the model's code talking, and it may print a value.
        report = KNOWN_SECRETS.replace(test_report(tests))
        async with self._ctx.paying(ref.tenant_id, ref.project_id, "reviewer"):
            verdict, replies = await ask_structured(
                self._model, reviewer_messages(spec, task_spec, diff, report), ReviewVerdict
            )
        # Tests and the secret scan are the gates a model cannot talk its way around.
        approved = verdict.approved and tests.ok and not leaks
        comments = KNOWN_SECRETS.replace(verdict.comments)
        if not tests.ok:
            comments = f"{comments}\n\n{report}"
        if leaks:
            comments = f"{leak_report(leaks)}\n\n{comments}"
        await self._ctx.record_usage(ref.tenant_id, ref.project_id, "reviewer", replies)
        posted = review_to_post(
            approved=approved,
            comments=comments,
            line_comments=verdict.line_comments,
            leaks=leaks,
            diff=diff,
            head_sha=head,
        )
        # Idempotent per (pull request, head, verdict): a retried attempt posts nothing more.
        await self._forge.submit_review(repo=repo, number=ref.pr_number, review=posted)
        await self._ctx.record_event(
            ref.tenant_id,
            ref.project_id,
            "review_approved" if approved else "changes_requested",
            f"#{ref.pr_number} {ref.task_key}: {comments}",
            {
                "tests_passed": tests.ok,
                "pr": ref.pr_number,
                "leaks": [str(x) for x in leaks],
                "line_comments": [f"{c.path}:{c.line}" for c in posted.comments],
            },
        )
        return ReviewResult(
            task_key=ref.task_key,
            approved=approved,
            tests_passed=tests.ok,
            comments=comments,
            breaking=verdict.breaking_change,
            leaks=leaks,
        )

    async def _scan_for_secrets(
        self, ref: PullRequestRef, repo: git.Repo, base: str
    ) -> list[SecretLeak]:
        """Known values on the lines any commit of the branch adds (a merge carries them all
        into main, also one a later commit removed) and in the commit messages. The tenant's
        file is read first, so a value set a moment ago by the CLI is known here too."""
        await asyncio.to_thread(self._ctx.secrets.handles, ref.tenant_id)
        leaks = scan_diff(await git.commit_patches(repo, base, "HEAD"))
        messages = await git.commit_messages(repo, base, "HEAD")
        leaks += [SecretLeak("commit message", 0, h) for h in KNOWN_SECRETS.found_in(messages)]
        if leaks:
            await self._ctx.record_event(
                ref.tenant_id,
                ref.project_id,
                "secret_in_pull_request",
                f"#{ref.pr_number} {ref.task_key}: merge blocked, {leak_report(leaks)}",
                {"pr": ref.pr_number, "leaks": [str(x) for x in leaks]},
            )
        return leaks

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
