"""Developer: a coding agent works on one task in a sandboxed checkout and pushes a branch."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import cast

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.changes import change_brief
from activities.context import ActivityContext
from activities.review_comments import feedback_from
from activities.reviewer import leak_report
from activities.sandbox_owner import sandbox_owner
from activities.step_budget import StepBudget
from activities.workspace import checkout
from adapters.forge import git
from adapters.forge.base import Forge, RepoInfo
from adapters.llm.base import ChatMessage, ChatModel
from adapters.sandbox.base import Sandbox
from agents.coding_agent import CodingResult, run_coding_agent
from agents.coding_limits import CodingLimits
from agents.external_agent import AgentSandbox, ExternalAgent, run_external_agent
from agents.prompts import developer_messages
from agents.transcript import Transcript
from core.contracts import CodedBranch, DeveloperInput, PullRequestRef, SecretLeak
from core.diff_scan import scan_diff
from core.handles import Handle
from core.known_secrets import KNOWN_SECRETS


def branch_for(task_key: str) -> str:
    return f"task/{task_key}"


class DeveloperActivities:
    def __init__(
        self,
        ctx: ActivityContext,
        model: ChatModel,
        forge: Forge,
        sandbox: Sandbox,
        external: ExternalAgent | None = None,
    ) -> None:
        self._ctx = ctx
        self._model = model
        self._forge = forge
        self._sandbox = sandbox
        self._external = external  # a CLI agent in the container instead of the built-in one

    @activity.defn(name="developer.write_code")
    async def write_code(self, input: DeveloperInput) -> CodedBranch:
        # Checked here, before the checkout, and again before each step of the session.
        await self._ctx.ensure_budget(input.tenant_id, input.project_id)
        spec = await self._ctx.spec(input.tenant_id, input.project_id)
        repo = await self._ctx.repository(self._forge, input.tenant_id, input.project_id)
        task_spec = await self._ctx.task_spec(input.tenant_id, input.project_id, input.task_key)
        change = await change_brief(self._ctx, input.tenant_id, input.project_id, input.task_key)
        branch = branch_for(input.task_key)
        feedback = await self._review_feedback(input, repo) if input.round > 1 else input.feedback
        # Rework continues the pushed branch; a first round (or a retry of it) starts from main.
        start = branch if input.round > 1 and await self._pushed(repo, branch) else None
        async with checkout(
            self._ctx.settings.workspaces_dir,
            repo,
            f"{input.task_key}-r{input.round}",
            start,
            forge=self._forge,
        ) as ws:
            if start is None:
                await git.checkout_new_branch(ws.repo, branch)
            base = await git.rev_parse(ws.repo, "HEAD")
            transcript = self._transcript(input)
            agent = f"developer:{input.task_key}"
            messages = developer_messages(spec, task_spec, feedback, change)
            budget = StepBudget(self._ctx, input.tenant_id, input.project_id, agent)
            async with self._ctx.paying(input.tenant_id, input.project_id, agent):
                result = await self._code(input, ws.tree, messages, transcript, budget)
            await self._ctx.record_usage(input.tenant_id, input.project_id, agent, result.replies)
            transcript_ref = transcript.path.relative_to(self._ctx.settings.data_dir).as_posix()
            if result.stop != "finished":
                await self._ctx.record_event(
                    input.tenant_id,
                    input.project_id,
                    "coding_agent_stopped",
                    f"{input.task_key}: {result.summary}",
                    {"stop": result.stop, "steps": result.steps, "transcript": transcript_ref},
                    once_per=input.task_key,
                )
            if result.stop == "budget" and budget.refusal is not None:
                # The start-of-step error: the workflow asks the owner, then runs it again.
                raise budget.refusal
            if result.stop == "agent_timeout":
                # Half-done work pushed would be reviewed as if it were the agent's answer.
                raise ApplicationError(
                    f"task '{input.task_key}': {result.summary}; nothing was pushed",
                    non_retryable=True,
                )
            sha = await git.commit_all(ws.repo, f"{task_spec.title}\n\n{result.summary}")
            if sha is None and start is None:
                raise ApplicationError(
                    f"the coding agent changed nothing for task '{input.task_key}'"
                    + (f": {result.summary}" if result.stop != "finished" else "")
                )
            await self._refuse_leaks(input, ws.repo, base)
            # Force: a retried first round replaces the branch an interrupted attempt pushed.
            await ws.push(branch, force=True)
            head = await git.rev_parse(ws.repo, "HEAD")
        await self._ctx.update_task(
            input.tenant_id,
            input.project_id,
            input.task_key,
            event="code_written",
            message=f"{input.task_key}: {result.summary}",
            payload={
                "round": input.round,
                "files": result.files_written,
                "head": head,
                "stop": result.stop,
                "steps": result.steps,
                "tokens": result.tokens,
                "transcript": transcript_ref,
            },
            status="in_review",
            branch=branch,
            rounds=input.round,
            summary=result.summary,
        )
        return CodedBranch(
            task_key=input.task_key,
            branch=branch,
            head_sha=head,
            finished=result.finished,
            summary=result.summary,
            stop=result.stop,
            transcript=transcript_ref,
        )

    async def _code(
        self,
        input: DeveloperInput,
        tree: Path,
        messages: list[ChatMessage],
        transcript: Transcript,
        budget: StepBudget,
    ) -> CodingResult:
        owner = sandbox_owner(input.tenant_id, input.project_id, input.task_key)

        def on_step(step: str) -> None:
            activity.logger.info("%s: %s", input.task_key, step)

        if self._external is None:
            return await run_coding_agent(
                model=self._model,
                sandbox=self._sandbox,
                workspace=tree,
                messages=messages,
                limits=self._limits(),
                transcript=transcript,
                on_step=on_step,
                command_timeout_s=self._ctx.settings.sandbox.command_timeout_s,
                owner=owner,
                budget=budget,
            )
        key = await self._agent_key(input.tenant_id, self._external.key_handle)
        # Every tenant's values known before the prompt is masked with them, also one set a
        # moment ago by the CLI in another process.
        await asyncio.to_thread(self._ctx.secrets.load_all)
        result = await run_external_agent(
            agent=self._external,
            sandbox=cast(AgentSandbox, self._sandbox),
            workspace=tree,
            messages=messages,
            key=key,
            owner=owner,
            on_step=on_step,
        )
        await self._unmetered(input, self._external.program)
        # The agent's own conversation is its CLI's; the transcript keeps what it reported.
        transcript.stop(result.steps, f"external agent {self._external.program}", result.summary, 0)
        return result

    async def _agent_key(self, tenant_id: str, handle: Handle | None) -> str | None:
        # Resolved for this run only, at the last moment; it lives in this frame and in the
        # agent's one process, never in history, a log line or the container's config.
        # The store runs sops: in a thread, so the activity keeps heartbeating meanwhile.
        if handle is None:
            return None
        return await asyncio.to_thread(self._ctx.secrets.get, tenant_id, handle)

    async def _refuse_leaks(self, input: DeveloperInput, repo: git.Repo, base: str) -> None:
        """Before anything is pushed: a known secret value on a line the new commits add, in a
        file's name or in their message fails the task (the reviewer's scan, but earlier: a
        pushed branch is already out of our hands). The report names places, not values."""
        await asyncio.to_thread(self._ctx.secrets.handles, input.tenant_id)
        leaks = scan_diff(await git.commit_patches(repo, base, "HEAD"))
        messages = await git.commit_messages(repo, base, "HEAD")
        leaks += [SecretLeak("commit message", 0, h) for h in KNOWN_SECRETS.found_in(messages)]
        if not leaks:
            return
        report = leak_report(leaks)
        await self._ctx.record_event(
            input.tenant_id,
            input.project_id,
            "secret_in_branch",
            f"{input.task_key}: not pushed, {report}",
            {"round": input.round, "leaks": [str(x) for x in leaks]},
        )
        raise ApplicationError(
            f"task '{input.task_key}' was not pushed: {report}", non_retryable=True
        )

    async def _unmetered(self, input: DeveloperInput, program: str) -> None:
        # The CLI pays its provider itself: no reply reaches us to count, so costs and budgets
        # cannot see this run. Said once per run, so the gap shows in the project's events.
        attempt = activity.info().attempt
        await self._ctx.record_event(
            input.tenant_id,
            input.project_id,
            "usage_unmetered",
            f"{input.task_key}: external agent {program} ran; its model spend is not metered",
            {"agent": program, "round": input.round, "attempt": attempt},
            once_per=f"{input.task_key}-r{input.round}-a{attempt}",
        )

    def _limits(self) -> CodingLimits:
        coding = self._ctx.settings.coding
        return CodingLimits(
            max_steps=coding.max_steps,
            max_tokens=coding.max_tokens,
            loop_repeats=coding.loop_repeats,
        )

    def _transcript(self, input: DeveloperInput) -> Transcript:
        """A file per attempt: a retry's session is a new conversation, kept beside the old."""
        attempt = activity.info().attempt
        name = f"{input.task_key}-r{input.round}-a{attempt}.jsonl"
        return Transcript(self._ctx.settings.transcripts_dir / input.project_id / name)

    async def _pushed(self, repo: RepoInfo, branch: str) -> bool:
        credential = await self._forge.git_credential(repo)
        return await git.remote_head(repo.clone_url, branch, credential=credential) is not None

    async def _review_feedback(self, input: DeveloperInput, repo: RepoInfo) -> str:
        """The reviews on the pull request the last round left, read from the forge (a person's
        review there included), with what the workflow adds (instructions, a gate's answer)."""
        task = await self._ctx.task(input.tenant_id, input.project_id, input.task_key)
        if not task.pr_number:
            return input.feedback
        pr = await self._forge.get_pull_request(repo=repo, number=task.pr_number)
        reviews = await self._forge.list_reviews(repo=repo, number=task.pr_number)
        return feedback_from(reviews, pr.head_sha, input.feedback)

    @activity.defn(name="developer.open_pull_request")
    async def open_pull_request(self, ref: PullRequestRef) -> PullRequestRef:
        repo = await self._ctx.repository(self._forge, ref.tenant_id, ref.project_id)
        task = await self._ctx.task(ref.tenant_id, ref.project_id, ref.task_key)
        title, body = task.title, task.summary or task.description
        pr = await self._forge.open_pull_request(
            repo=repo, branch=ref.branch, title=title, body=body
        )
        await self._ctx.update_task(
            ref.tenant_id,
            ref.project_id,
            ref.task_key,
            event="pull_request_opened",
            message=f"#{pr.number} {title}",
            payload={"url": pr.url, "branch": pr.branch},
            pr_number=pr.number,
        )
        return PullRequestRef(
            project_id=ref.project_id,
            tenant_id=ref.tenant_id,
            task_key=ref.task_key,
            branch=pr.branch,
            pr_number=pr.number,
        )
