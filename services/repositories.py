"""A project's repository on the forge: built from settings, found by URL or by name."""

from __future__ import annotations

from urllib.parse import urlsplit

from adapters.forge.base import Forge, RepoInfo
from adapters.forge.factory import build_forge
from adapters.secrets.factory import build_secret_store
from agents.schemas import ProjectSpec
from core.errors import InvalidInput, NotFound
from db.models import Project
from services.projects import ProjectServices
from services.text import plain_name


def forge_for(services: ProjectServices) -> Forge:
    settings = services.settings
    return build_forge(
        settings.forge,
        root=settings.forge_dir,
        sessions=services.sessions,
        tenant_id=settings.tenant,
        secrets=build_secret_store(settings),
    )


async def repository_at(forge: Forge, url: str) -> RepoInfo:
    """The repository a person's URL names: InvalidInput for what is no repository URL,
    NotFound unless it exists on this forge."""
    url = plain_name(url.strip(), what="repository URL")
    try:
        parts = urlsplit(url)
    except ValueError as err:  # e.g. an unbalanced "[" in the host
        raise InvalidInput(f"{url!r} is not a repository URL: {err}") from None
    if parts.username or parts.password:
        # The URL is stored and shown: a token in it would be published.
        raise InvalidInput("the repository URL carries credentials; give its web address only")
    path = [p for p in parts.path.split("/") if p]
    if parts.scheme not in ("https", "http", "file") or len(path) < 2:
        raise InvalidInput(
            f"{url!r} is not a repository URL: give its web address, e.g. "
            "https://github.com/<owner>/<name> (`orchestrator status` shows the current one)"
        )
    owner, name = path[-2], path[-1].removesuffix(".git")
    repo = await forge.find_repository(owner=owner, name=name)
    if repo is None:
        raise NotFound(
            f"no repository {owner}/{name} on the {forge.name} forge ({url}): check the URL; "
            "the repository must exist before a project can use it"
        )
    found = urlsplit(repo.web_url)
    if (found.scheme, found.netloc) != (parts.scheme, parts.netloc):
        raise NotFound(
            f"{url} is not on the {forge.name} forge; its {owner}/{name} is {repo.web_url}"
        )
    return repo


async def repository_by_name(forge: Forge, owner: str, project: Project) -> RepoInfo | None:
    """Where the architect would have created it: the recorded name, else <spec name>-<id>."""
    for name in candidate_names(project):
        repo = await forge.find_repository(owner=owner, name=name)
        if repo is not None:
            return repo
    return None


def candidate_names(project: Project) -> list[str]:
    names = [project.config.get("repo_name") or ""]
    if project.spec:
        names.append(f"{ProjectSpec.model_validate(project.spec).name}-{project.id[:6]}")
    return [n for n in dict.fromkeys(names) if n]


def owner_of(services: ProjectServices, project: Project) -> str:
    return str(project.config.get("repo_owner") or services.settings.forge.owner)
