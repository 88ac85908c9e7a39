"""Stop and start a project's live service; a stopped one stays stopped until started."""

from __future__ import annotations

from temporalio import activity

from activities.context import ActivityContext
from activities.release_records import (
    log_outcome,
    mark_serving,
    refuse,
    result,
    serving_release,
)
from activities.secret_env import resolve_secret_env
from activities.servers import deploy_target
from adapters.deploy.base import Deployer, ReleaseOutcome
from adapters.forge.base import Forge
from core.contracts import DeployResult, ReleaseCommand


class ServiceActivities:
    def __init__(self, ctx: ActivityContext, forge: Forge, deployer: Deployer) -> None:
        self._ctx = ctx
        self._forge = forge
        self._deployer = deployer

    @activity.defn(name="devops.stop_service")
    async def stop_service(self, command: ReleaseCommand) -> DeployResult:
        row = await serving_release(self._ctx, command.tenant_id, command.project_id)
        if row.serving == "stopped":
            raise refuse(f"project '{command.project_id}' is already stopped")
        repo = await self._ctx.repository(self._forge, command.tenant_id, command.project_id)
        target = await deploy_target(self._ctx, command.tenant_id, command.project_id)
        await self._deployer.stop(project_slug=repo.name, target=target)
        # Recorded after the stop: a retry stops again (a no-op) and then records it.
        await mark_serving(self._ctx, command.project_id, row.release_id, "stopped")
        message = (
            f"Release {row.number} stopped by {command.requested_by or 'someone'}; "
            "it stays stopped until `orchestrator start`."
        )
        await self._ctx.record_event(
            command.tenant_id,
            command.project_id,
            "service_stopped",
            message,
            {"release": row.release_id, "number": row.number, "by": command.requested_by},
        )
        outcome = ReleaseOutcome(
            status="stopped",
            release_id=row.release_id,
            url=row.url,
            release_dir="",
            previous_release_id=None,
            message=message,
        )
        return result(outcome, row.number)

    @activity.defn(name="devops.start_service")
    async def start_service(self, command: ReleaseCommand) -> DeployResult:
        """`start` after a stop, or `restart` by health_checker: the serving release again."""
        row = await serving_release(self._ctx, command.tenant_id, command.project_id)
        if command.action == "restart" and row.serving == "stopped":
            raise refuse(f"project '{command.project_id}' was stopped on purpose: not restarted")
        port = await self._ctx.port(command.tenant_id, command.project_id)
        repo = await self._ctx.repository(self._forge, command.tenant_id, command.project_id)
        secret_env = await resolve_secret_env(self._ctx, command.tenant_id, command.project_id)
        outcome = await self._deployer.start(
            project_slug=repo.name,
            port=port,
            secret_env=secret_env,
            health_path=self._ctx.settings.deploy.health_path,
            target=await deploy_target(self._ctx, command.tenant_id, command.project_id),
        )
        by = command.requested_by or "someone"
        verb = "restarted" if command.action == "restart" else "started"
        if outcome.status == "healthy":
            await mark_serving(self._ctx, command.project_id, row.release_id, "live")
            message = f"Release {row.number} {verb} by {by}; live at {outcome.url}."
        else:
            message = f"Release {row.number} could not be {verb}: {outcome.message}"
        await log_outcome(
            self._ctx,
            command.tenant_id,
            command.project_id,
            f"service_{verb}"
            if outcome.status == "healthy"
            else f"service_{command.action}_failed",
            outcome,
            message,
            {"number": row.number, "by": by},
        )
        return result(outcome, row.number, message)
