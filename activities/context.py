"""What activities share: database access, model-usage accounting, loading a project's spec."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.budget import budget_refusal, budget_states, warn_near_budget
from adapters.forge.base import Forge, RepoInfo
from adapters.llm.base import ModelReply
from adapters.notify.base import Notifier
from adapters.secrets.base import SecretStore
from agents.paid import paid_replies
from agents.schemas import ProjectSpec, TaskSpec
from core.errors import InvalidInput
from core.known_secrets import KNOWN_SECRETS
from core.model_prices import cost_usd, model_price_table, price_of
from core.settings import Settings
from db.engine import SessionFactory, transaction
from db.models import Project, Task
from db.repositories import events, projects, resources, tasks, usage


def once_key(kind: str, part: str = "") -> str | None:
    """What makes an event written by this activity land once, however often it is retried.

    A crash between an activity's commit and its completion makes Temporal run it again;
    the event log must still say "merged" once, not once per attempt.
    """
    if not activity.in_activity():
        return None
    info = activity.info()
    return "/".join(filter(None, (info.workflow_run_id, info.activity_id, kind, part)))


@dataclass(frozen=True)
class ActivityContext:
    settings: Settings
    sessions: SessionFactory
    secrets: SecretStore  # resolve handles only here, in the activity that needs the value
    # Budget warnings reach the owner through it (Telegram when configured); None: the log.
    notifier: Notifier | None = None

    async def project(self, tenant_id: str, project_id: str) -> Project:
        async with transaction(self.sessions) as session:
            return await projects.get(session=session, tenant_id=tenant_id, project_id=project_id)

    async def spec(self, tenant_id: str, project_id: str) -> ProjectSpec:
        project = await self.project(tenant_id, project_id)
        if not project.spec:
            raise InvalidInput(f"project '{project_id}' has no spec yet")
        return ProjectSpec.model_validate(project.spec)

    async def repository(self, forge: Forge, tenant_id: str, project_id: str) -> RepoInfo:
        """The project's repository; ensure_repository is idempotent, so this is a lookup."""
        project = await self.project(tenant_id, project_id)
        name = project.config.get("repo_name")
        if not name:
            raise InvalidInput(f"project '{project_id}' has no repository yet")
        # The owner recorded with the name: `orchestrator update` may point elsewhere.
        owner = project.config.get("repo_owner") or self.settings.forge.owner
        return await forge.ensure_repository(owner=owner, name=name, description=project.name)

    async def task(self, tenant_id: str, project_id: str, key: str) -> Task:
        async with transaction(self.sessions) as session:
            return await tasks.get_by_key(
                session=session, tenant_id=tenant_id, project_id=project_id, key=key
            )

    async def task_spec(self, tenant_id: str, project_id: str, key: str) -> TaskSpec:
        task = await self.task(tenant_id, project_id, key)
        return TaskSpec(
            key=task.key, title=task.title, description=task.description, files=task.files
        )

    async def update_task(
        self,
        tenant_id: str,
        project_id: str,
        key: str,
        *,
        event: str,
        message: str,
        payload: dict[str, Any] | None = None,
        once_per: str = "",
        **fields: Any,
    ) -> None:
        """Change a task and log why, in one transaction (`once_per` tells apart events of
        one kind that one activity writes for several tasks)."""
        async with transaction(self.sessions) as session:
            task = await tasks.get_by_key(
                session=session, tenant_id=tenant_id, project_id=project_id, key=key
            )
            await tasks.update(session=session, task=task, **fields)
            await _log(session, tenant_id, project_id, event, message, payload, once_per)

    async def update_project(
        self,
        tenant_id: str,
        project_id: str,
        *,
        event: str,
        message: str,
        payload: dict[str, Any] | None = None,
        config: dict[str, Any] | None = None,
        **fields: Any,
    ) -> None:
        """Change the project row and log why, in one transaction.

        `config` keys are merged into the project's config, which other activities also write.
        """
        async with transaction(self.sessions) as session:
            project = await projects.get(
                session=session, tenant_id=tenant_id, project_id=project_id
            )
            if config:
                fields["config"] = {**project.config, **config}
            await projects.update(session=session, project=project, **fields)
            await _log(session, tenant_id, project_id, event, message, payload)

    async def record_event(
        self,
        tenant_id: str,
        project_id: str,
        kind: str,
        message: str,
        payload: dict[str, Any] | None = None,
        *,
        once_per: str = "",
    ) -> None:
        async with transaction(self.sessions) as session:
            await _log(session, tenant_id, project_id, kind, message, payload, once_per)

    async def port(self, tenant_id: str, project_id: str) -> int:
        async with transaction(self.sessions) as session:
            port = await resources.find(
                session=session,
                tenant_id=tenant_id,
                project_id=project_id,
                kind="port",
                name="http",
            )
        if port is None:
            raise InvalidInput(f"project '{project_id}' has no port allocated")
        return int(port.value)

    async def record_usage(
        self, tenant_id: str, project_id: str, agent: str, replies: Sequence[ModelReply]
    ) -> None:
        """Record each call's tokens at the price its model has now, then warn the owner
        once a budget is nearly used up."""
        costs = self.settings.costs
        try:
            table = model_price_table(costs.model_prices, costs.model_prices_file)
        except InvalidInput as err:
            # The calls are made and paid: record them at the settings' prices, not lose them.
            table = model_price_table(costs.model_prices, None)
            await self.record_event(tenant_id, project_id, "model_prices_unreadable", str(err))
        keys = _call_keys(agent, len(replies))
        async with transaction(self.sessions) as session:
            seen = await usage.recorded_keys(session=session, keys=[k for k in keys if k])
            for reply, key in zip(replies, keys, strict=True):
                if key in seen:
                    continue
                price = price_of(table, reply.model)
                if price is None:
                    await _unpriced(session, tenant_id, project_id, reply.model)
                await usage.record(
                    session=session,
                    tenant_id=tenant_id,
                    project_id=project_id,
                    agent=agent,
                    model=reply.model,
                    prompt_tokens=reply.usage.prompt_tokens,
                    completion_tokens=reply.usage.completion_tokens,
                    cost_usd=cost_usd(
                        price, reply.usage.prompt_tokens, reply.usage.completion_tokens
                    )
                    if price
                    else 0.0,
                    once_key=key,
                )
        await warn_near_budget(self.sessions, costs, self.notifier, tenant_id, project_id)

    @asynccontextmanager
    async def paying(self, tenant_id: str, project_id: str, agent: str) -> AsyncIterator[None]:
        """Around an agent's model work: when it fails (a malformed answer after its retries,
        a provider fault, a cancel), the calls it paid for before are recorded all the same,
        then the failure goes on. Success records its replies itself (`record_usage`)."""
        try:
            yield
        except BaseException as err:
            paid = paid_replies(err)
            if paid:
                await self.record_usage(tenant_id, project_id, agent, paid)
            raise

    async def ensure_budget(self, tenant_id: str, project_id: str) -> None:
        """Called before a model-using activity asks the model anything: past a budget it
        raises BudgetExhausted, and the project's workflow asks the owner what to do."""
        refusal = await self.budget_refusal(tenant_id, project_id)
        if refusal is not None:
            raise refusal

    async def budget_refusal(self, tenant_id: str, project_id: str) -> ApplicationError | None:
        """The BudgetExhausted error `ensure_budget` would raise, or None: for a caller that
        must stop its own work first (a coding session between steps)."""
        costs = self.settings.costs
        # A broken price file stops the step here, before the model is paid, not after.
        model_price_table(costs.model_prices, costs.model_prices_file)
        async with transaction(self.sessions) as session:
            states = await budget_states(session, costs, tenant_id, project_id)
        return budget_refusal(states, project_id)


async def _log(
    session: AsyncSession,
    tenant_id: str,
    project_id: str,
    kind: str,
    message: str,
    payload: dict[str, Any] | None,
    once_per: str = "",
) -> None:
    """Append an activity's event, once however often the activity is retried.

    Masked: a message can quote what a model or a sandboxed command said, and those may
    repeat a value the store holds."""
    await events.append(
        session=session,
        tenant_id=tenant_id,
        project_id=project_id,
        kind=kind,
        message=KNOWN_SECRETS.replace(message),
        payload=KNOWN_SECRETS.replace_in(payload),
        once_key=once_key(kind, once_per),
    )


def _call_keys(agent: str, count: int) -> list[str | None]:
    """A key per call of this activity attempt (none outside an activity): recording the same
    attempt's calls again adds nothing, while a retry's calls, paid again, are new rows."""
    if not activity.in_activity():
        return [None] * count
    info = activity.info()
    base = f"{info.workflow_run_id}/{info.activity_id}/{info.attempt}/{agent}"
    return [f"{base}/{index}"[:240] for index in range(count)]


async def _unpriced(session: AsyncSession, tenant_id: str, project_id: str, model: str) -> None:
    """A model the price table does not know costs 0, said once per tenant and model."""
    await events.append(
        session=session,
        tenant_id=tenant_id,
        project_id=project_id,
        kind="model_unpriced",
        message=(
            f"no price for model '{model}': its calls are counted at $0; add it to the "
            "model price table (COSTS_MODEL_PRICES or COSTS_MODEL_PRICES_FILE)"
        ),
        payload={"model": model},
        once_key=f"model_unpriced/{tenant_id}/{model}"[:200],
    )


async def save_planned_tasks(
    session: AsyncSession, tenant_id: str, project_id: str, planned: Sequence[TaskSpec]
) -> None:
    """The Architect's tasks as rows; idempotent, so a retried plan adds none twice."""
    for task in planned:
        await tasks.upsert(
            session=session,
            tenant_id=tenant_id,
            project_id=project_id,
            key=task.key,
            title=task.title,
            description=task.description,
            files=task.files,
        )
