"""What the release tests share: a live project, its service's pid, a commit on its main."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from db.engine import transaction
from db.models import Event, Project
from db.repositories import events
from tests.stack import Stack

CRASHING_SERVER = 'import sys\nsys.exit("config error: WEATHER_MODE is not set")\n'


async def live_project(stack: Stack, idea: str = "Weather bot with notifications") -> Project:
    project = await stack.services.submit(idea)
    state = await stack.services.handle(project).result()
    assert state.status == "completed", state.error
    return await stack.services.get(project.id)


def release_root(stack: Stack, project: Project) -> Path:
    return stack.settings.releases_dir / str(project.config["repo_name"])


def service_pid(stack: Stack, project: Project) -> int:
    return int((release_root(stack, project) / "run" / "service.pid").read_text().strip())


async def health(project: Project) -> int | None:
    """The health URL's status code; None when nothing answers."""
    async with httpx.AsyncClient(trust_env=False, timeout=3) as http:
        try:
            return (await http.get(f"{project.live_url}/health")).status_code
        except httpx.HTTPError:
            return None


def push_to_main(stack: Stack, project: Project, tmp_path: Path, server_py: str) -> str:
    """A commit on the project's main (as a merged change would be) replacing server.py."""
    bare = (
        stack.settings.forge_dir / stack.settings.forge.owner / f"{project.config['repo_name']}.git"
    )
    work = tmp_path / "change"
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.com"]

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *ident, *args], cwd=work, check=True, capture_output=True, text=True
        )
        return done.stdout.strip()

    subprocess.run(["git", "clone", "-q", str(bare), str(work)], check=True)
    (work / "server.py").write_text(server_py)
    git("commit", "-qam", "a change that breaks the service")
    git("push", "-q", "origin", "HEAD:main")
    return git("rev-parse", "HEAD")


async def event_kinds(stack: Stack, project: Project) -> list[str]:
    return [e.kind for e in await project_events(stack, project)]


async def project_events(stack: Stack, project: Project) -> list[Event]:
    async with transaction(stack.sessions) as session:
        return await events.list_for_project(
            session=session, tenant_id=project.tenant_id, project_id=project.id
        )


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what}")
        await asyncio.sleep(0.3)
