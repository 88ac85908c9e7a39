"""DevOps: readiness, deploy the merged main branch (or an earlier commit), roll back."""

from __future__ import annotations

from dataclasses import replace

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import dns
from activities.context import ActivityContext
from activities.readiness import check_deploy_readiness
from activities.release_records import (
    log_outcome,
    mark_serving,
    number_of,
    refuse,
    release_by_number,
    result,
)
from activities.secret_env import resolve_secret_env
from activities.servers import deploy_target
from adapters.deploy.base import Deployer, ReleaseOutcome, ReleaseRequest
from adapters.dns.base import DnsError
from adapters.forge import git
from adapters.forge.base import Forge, RepoInfo
from core.contracts import (
    DeployInput,
    DeployResult,
    ProjectRef,
    Readiness,
    ReleaseCommand,
    ReleaseSource,
    RollbackInput,
)
from db.engine import transaction
from db.repositories import deployments


class DevOpsActivities:
    def __init__(self, ctx: ActivityContext, forge: Forge, deployer: Deployer) -> None:
        self._ctx = ctx
        self._forge = forge
        self._deployer = deployer

    @activity.defn(name="devops.main_head")
    async def main_head(self, ref: ProjectRef) -> str:
        repo = await self._ctx.repository(self._forge, ref.tenant_id, ref.project_id)
        credential = await self._forge.git_credential(repo)
        head = await git.remote_head(repo.clone_url, repo.default_branch, credential=credential)
        if head is None:
            raise ApplicationError(f"{repo.web_url} has no {repo.default_branch} branch")
        return head

    @activity.defn(name="devops.check_readiness")
    async def check_readiness(self, ref: ProjectRef) -> Readiness:
        return await check_deploy_readiness(
            sessions=self._ctx.sessions,
            secrets=self._ctx.secrets,
            dns=self._ctx.settings.dns,
            tenant_id=ref.tenant_id,
            project_id=ref.project_id,
        )

    @activity.defn(name="devops.release_source")
    async def release_source(self, command: ReleaseCommand) -> ReleaseSource:
        """The commit to deploy: a recorded release's, or main's head."""
        port = await self._ctx.port(command.tenant_id, command.project_id)
        if command.release is None:
            ref = ProjectRef(project_id=command.project_id, tenant_id=command.tenant_id)
            return ReleaseSource(commit=await self.main_head(ref), port=port)
        row = await release_by_number(
            self._ctx, command.tenant_id, command.project_id, command.release
        )
        return ReleaseSource(commit=row.commit, port=port)

    @activity.defn(name="devops.deploy_release")
    async def deploy_release(self, input: DeployInput) -> DeployResult:
        repo = await self._ctx.repository(self._forge, input.tenant_id, input.project_id)
        target = await deploy_target(self._ctx, input.tenant_id, input.project_id)
        # DNS before the release: when Cloudflare fails, nothing has changed anywhere yet.
        published = dns.plan(self._ctx.settings.dns, repo.name)
        note = published.note
        if published.hostname:
            address = target.host if target else self._ctx.settings.deploy.host
            try:
                change = await dns.point(
                    self._ctx.settings.dns,
                    self._ctx.secrets,
                    input.tenant_id,
                    published.hostname,
                    address,
                )
            except DnsError as err:
                return await self._dns_refused(input, str(err))
            note = f"DNS: {change.name} {change.type} {change.content} ({change.action})"
        # Last of all before the deployer: the values live in this attempt's memory only.
        secret_env = await resolve_secret_env(self._ctx, input.tenant_id, input.project_id)
        outcome = await self._deployer.deploy(
            ReleaseRequest(
                project_slug=repo.name,
                release_id=input.release_id,
                repo_url=await self._deploy_source(repo),
                commit=input.commit,
                port=input.port,
                health_path=self._ctx.settings.deploy.health_path,
                secret_env=secret_env,
                target=target,
            )
        )
        if published.hostname and outcome.status == "healthy":
            outcome = replace(outcome, url=f"http://{published.hostname}:{input.port}")
        return replace(await self._record_deploy(input, outcome), note=note)

    async def _record_deploy(self, input: DeployInput, outcome: ReleaseOutcome) -> DeployResult:
        project = await self._ctx.project(input.tenant_id, input.project_id)
        async with transaction(self._ctx.sessions) as session:
            row = await deployments.record(
                session=session,
                tenant_id=input.tenant_id,
                project_id=input.project_id,
                release_id=outcome.release_id,
                commit=input.commit,
                status=outcome.status,
                url=outcome.url,
                previous_release_id=outcome.previous_release_id,
                message=outcome.message,
                requested_by=input.requested_by or str(project.config.get("owner") or "pipeline"),
            )
        # The release row first (idempotent per release id): a retry after a crash here
        # records it again and then the project change and the event.
        message = f"Release {row.number}: {outcome.message}"
        await log_outcome(
            self._ctx,
            input.tenant_id,
            input.project_id,
            f"deploy_{outcome.status}",
            outcome,
            message,
            {"number": row.number, "commit": input.commit},
        )
        return result(outcome, row.number, message)

    async def _dns_refused(self, input: DeployInput, why: str) -> DeployResult:
        message = (
            f"{why}. Release {input.release_id} was not deployed: the DNS record and the "
            "release serving now stay as they were."
        )
        outcome = ReleaseOutcome(
            status="failed",
            release_id=input.release_id,
            url="",
            release_dir="",
            previous_release_id=None,
            message=message,
        )
        return await self._record_deploy(input, outcome)

    async def _deploy_source(self, repo: RepoInfo) -> str:
        """Where Ansible clones the release from: the forge itself when it needs no
        credential, else a mirror on this host refreshed now, so no token goes to Ansible."""
        credential = await self._forge.git_credential(repo)
        if credential is None:
            return repo.clone_url
        mirrors = self._ctx.settings.data_dir / "forge-mirrors"
        mirrors.mkdir(mode=0o700, exist_ok=True)
        bare = mirrors / repo.owner / f"{repo.name}.git"
        bare.parent.mkdir(exist_ok=True)
        await git.fetch_mirror(repo.clone_url, bare, credential=credential)
        return str(bare)

    @activity.defn(name="devops.rollback_release")
    async def rollback_release(self, input: RollbackInput) -> DeployResult:
        """To release `to_release`, or the healthy one before the serving one."""
        target_id = await self._rollback_target(input)
        port = await self._ctx.port(input.tenant_id, input.project_id)
        repo = await self._ctx.repository(self._forge, input.tenant_id, input.project_id)
        # The release goes back, the secrets do not: the earlier release gets today's values.
        secret_env = await resolve_secret_env(self._ctx, input.tenant_id, input.project_id)
        outcome = await self._deployer.rollback(
            project_slug=repo.name,
            port=port,
            secret_env=secret_env,
            health_path=self._ctx.settings.deploy.health_path,
            to_release_id=target_id,
            target=await deploy_target(self._ctx, input.tenant_id, input.project_id),
        )
        number = await number_of(self._ctx, input.project_id, outcome.release_id)
        left = await number_of(self._ctx, input.project_id, outcome.previous_release_id or "")
        if outcome.status == "healthy":
            await mark_serving(self._ctx, input.project_id, outcome.release_id, "live")
            message = f"Rolled back from release {left} to release {number}; live at {outcome.url}."
        else:
            message = outcome.message
        if input.reason:
            message = f"{message} Why: {input.reason}"
        by = input.requested_by or "someone"
        await log_outcome(
            self._ctx,
            input.tenant_id,
            input.project_id,
            f"rollback_{outcome.status}",
            outcome,
            f"{message} (asked by {by})",
            {"number": number, "from": left, "by": by},
        )
        return result(outcome, number, message)

    async def _rollback_target(self, input: RollbackInput) -> str | None:
        if input.to_release is None:
            return None  # the playbook takes the healthy release before the current one
        target = await release_by_number(
            self._ctx, input.tenant_id, input.project_id, input.to_release
        )
        if target.status != "healthy":
            raise refuse(
                f"release {target.number} of project '{input.project_id}' never became healthy "
                f"({target.status}): roll back to one that did"
            )
        async with transaction(self._ctx.sessions) as session:
            serving = await deployments.serving(
                session=session, tenant_id=input.tenant_id, project_id=input.project_id
            )
        if serving is not None and serving.release_id == target.release_id:
            raise refuse(f"release {target.number} is already the one serving")
        return target.release_id
