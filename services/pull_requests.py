"""A project's pull requests as the forge shows them, with the last review's verdict."""

from __future__ import annotations

from dataclasses import dataclass

from services.projects import ProjectServices
from services.repositories import forge_for, owner_of, repository_by_name


@dataclass(frozen=True)
class PullRequestView:
    number: int
    title: str
    branch: str
    state: str  # open | merged | closed
    verdict: str  # the last review's: approve | request_changes | comment, or "" if none
    url: str
    task_key: str = ""


async def project_pull_requests(
    services: ProjectServices, project_id: str, *, tenant_id: str | None = None
) -> list[PullRequestView]:
    project = await services.get(project_id, tenant_id=tenant_id)  # the tenant check
    forge = forge_for(services)
    repo = await repository_by_name(forge, owner_of(services, project), project)
    if repo is None:
        return []
    views = []
    for pr in await forge.list_pull_requests(repo=repo):
        reviews = await forge.list_reviews(repo=repo, number=pr.number)
        views.append(
            PullRequestView(
                number=pr.number,
                title=pr.title,
                branch=pr.branch,
                state=pr.state,
                verdict=reviews[-1].verdict if reviews else "",
                url=pr.url,
                # Developers push task/<key> (activities/developer.py), one branch per task.
                task_key=pr.branch.removeprefix("task/") if pr.branch.startswith("task/") else "",
            )
        )
    return views
