"""github_sync's work: bring each active project's repository and pull requests into the DB,
and tell a project's workflow what people did on the forge (a merge or close by hand).

Through the Forge interface only, so it works for the local forge and GitHub alike.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.context import ActivityContext
from adapters.forge.base import Forge, PullRequestInfo, RepoInfo
from core.contracts import PULL_REQUEST_CHANGED, ForgeSyncInput, ForgeSyncResult, PullRequestChange
from core.errors import OrchestratorError
from core.vocabulary import PullRequestOutcome
from db.engine import transaction
from db.models import Project, Task
from db.repositories import projects, tasks


class ForgeSyncActivities:
    def __init__(self, ctx: ActivityContext, forge: Forge, client: Client) -> None:
        self._ctx = ctx
        self._forge = forge
        self._client = client

    @activity.defn(name="forge_sync.reconcile")
    async def reconcile(self, input: ForgeSyncInput) -> ForgeSyncResult:
        tenant = input.tenant_id or self._ctx.settings.tenant
        async with transaction(self._ctx.sessions) as session:
            active = await projects.list_active(session=session, tenant_id=tenant)
        result = ForgeSyncResult()
        for project in active:
            if not project.config.get("repo_name"):
                continue  # no repository yet: the architect has not run
            try:
                result.changes += await self._project(project)
            except (OrchestratorError, RPCError) as err:  # one project must not stop the rest
                activity.logger.warning("github_sync skipped %s: %s", project.id, err)
            result.projects += 1
        return result

    async def _project(self, project: Project) -> list[PullRequestChange]:
        owner = project.config.get("repo_owner") or self._ctx.settings.forge.owner
        repo = await self._forge.find_repository(owner=owner, name=project.config["repo_name"])
        if repo is None:
            activity.logger.warning("github_sync: %s's repository is gone", project.id)
            return []
        if project.repository_url != repo.web_url:
            await self._ctx.update_project(
                project.tenant_id,
                project.id,
                event="repository_url_synced",
                message=repo.web_url,
                repository_url=repo.web_url,
            )
        async with transaction(self._ctx.sessions) as session:
            rows = await tasks.list_for_project(
                session=session, tenant_id=project.tenant_id, project_id=project.id
            )
        by_number = {t.pr_number: t for t in rows if t.pr_number}
        changes = []
        for pr in await self._forge.list_pull_requests(repo=repo):
            task = by_number.get(pr.number)
            if task is not None and _unreported(task, pr):
                changes.append(await self._tell(project, task, pr, repo))
        return changes

    async def _tell(
        self, project: Project, task: Task, pr: PullRequestInfo, repo: RepoInfo
    ) -> PullRequestChange:
        outcome: PullRequestOutcome = "merged" if pr.state == "merged" else "closed"
        change = PullRequestChange(
            project_id=project.id,
            tenant_id=project.tenant_id,
            pr_number=pr.number,
            outcome=outcome,
            task_key=task.key,
            url=pr.url,
            merge_sha=pr.merge_sha or "",
        )
        # Signal first, then the row: a crash in between repeats the signal, which the
        # workflow applies once; the other order could lose it.
        handle = self._client.get_workflow_handle(project.workflow_id or f"project-{project.id}")
        told = "the workflow was told"
        try:
            await handle.signal(PULL_REQUEST_CHANGED, change)
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            told = "no workflow runs to tell"
        await self._ctx.update_task(
            project.tenant_id,
            project.id,
            task.key,
            event=f"pull_request_{outcome}_outside",
            message=f"#{pr.number} ({task.key}) {outcome} by a person on {repo.owner}/"
            f"{repo.name}; {told}",
            payload={"pr": pr.number, "url": pr.url, "merge_sha": pr.merge_sha},
            once_per=f"{project.id}/{pr.number}",
            status="merged" if outcome == "merged" else "changes_requested",
        )
        return change


def _unreported(task: Task, pr: PullRequestInfo) -> bool:
    """The forge says merged or closed and the task's row does not know it yet (the
    reviewer's own merge writes "merged"; a reported close writes "changes_requested")."""
    if pr.state == "merged":
        return task.status != "merged"
    if pr.state == "closed":
        return task.status not in ("merged", "skipped", "changes_requested")
    return False
