"""DevOps: deploy the merged main branch, health-check it, record the release or the rollback."""

from __future__ import annotations

from dataclasses import replace

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import dns
from activities.context import ActivityContext
from activities.secret_env import resolve_secret_env
from activities.servers import project_server, ssh_target
from adapters.deploy.base import Deployer, ReleaseOutcome, ReleaseRequest
from adapters.deploy.target import SshTarget
from adapters.dns.base import DnsError
from adapters.forge import git
from adapters.forge.base import Forge, RepoInfo
from core.contracts import DeployInput, DeployResult, ProjectRef
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

    @activity.defn(name="devops.deploy_release")
    async def deploy_release(self, input: DeployInput) -> DeployResult:
        repo = await self._ctx.repository(self._forge, input.tenant_id, input.project_id)
        target = await self._target(input.tenant_id, input.project_id)
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
        await self._record(input.tenant_id, input.project_id, outcome, input.commit, "deploy")
        return DeployResult(
            status=outcome.status,
            release_id=outcome.release_id,
            url=outcome.url,
            message=outcome.message,
            note=note,
        )

    async def _target(self, tenant_id: str, project_id: str) -> SshTarget | None:
        """The assigned server with its key (resolved here, at the last moment), or None."""
        server = await project_server(self._ctx.sessions, tenant_id, project_id)
        return None if server is None else await ssh_target(server, self._ctx.secrets)

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
        await self._record(input.tenant_id, input.project_id, outcome, input.commit, "deploy")
        return DeployResult(status="failed", release_id=input.release_id, url="", message=message)

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
    async def rollback_release(self, ref: ProjectRef) -> DeployResult:
        port = await self._ctx.port(ref.tenant_id, ref.project_id)
        repo = await self._ctx.repository(self._forge, ref.tenant_id, ref.project_id)
        # The release goes back, the secrets do not: the earlier release gets today's values.
        secret_env = await resolve_secret_env(self._ctx, ref.tenant_id, ref.project_id)
        outcome = await self._deployer.rollback(
            project_slug=repo.name,
            port=port,
            secret_env=secret_env,
            target=await self._target(ref.tenant_id, ref.project_id),
        )
        await self._record(ref.tenant_id, ref.project_id, outcome, "", "rollback")
        return DeployResult(
            status=outcome.status,
            release_id=outcome.release_id,
            url=outcome.url,
            message=outcome.message,
        )

    async def _record(
        self, tenant_id: str, project_id: str, outcome: ReleaseOutcome, commit: str, action: str
    ) -> None:
        async with transaction(self._ctx.sessions) as session:
            await deployments.record(
                session=session,
                tenant_id=tenant_id,
                project_id=project_id,
                release_id=outcome.release_id,
                commit=commit,
                status=outcome.status,
                url=outcome.url,
                previous_release_id=outcome.previous_release_id,
                message=outcome.message,
            )
        # The release row first (idempotent per release id): a retry after a crash here
        # records it again and then the project change and the event.
        kind = f"{action}_{outcome.status}"
        payload = {"release": outcome.release_id, "previous": outcome.previous_release_id}
        if outcome.status == "healthy":
            await self._ctx.update_project(
                tenant_id,
                project_id,
                event=kind,
                message=outcome.message,
                payload=payload,
                live_url=outcome.url,
            )
        else:
            await self._ctx.record_event(tenant_id, project_id, kind, outcome.message, payload)
