"""An idea whose measuring fails (its repository cannot be cloned) is that idea's failure, with
the reason; the eval goes on to stop its service and to the other ideas."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from adapters.forge.local import LocalForge
from adapters.sandbox.process import ProcessSandbox
from core.settings import Settings
from db.engine import SessionFactory, transaction
from db.repositories import projects, tenants
from services.evals.owner import Followed
from services.evals.report import IdeaResult
from services.evals.runner import EvalRunner
from services.evals.suite import EvalIdea
from services.projects import ProjectServices

TENANT = "acme"


@pytest.fixture
async def live_url() -> AsyncIterator[str]:
    """A deployed service that answers its health check."""

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/health", health)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_a_clone_that_fails_is_the_ideas_reason_not_the_end_of_the_eval(
    sessions: SessionFactory, tmp_path: Path, live_url: str
) -> None:
    settings = Settings(home=tmp_path / "home", tenant=TENANT)
    forge = LocalForge(root=tmp_path / "forge", sessions=sessions, tenant_id=TENANT)
    # A repository the forge lists but git cannot clone (its objects are gone).
    broken = tmp_path / "forge" / settings.forge.owner / "notes.git"
    broken.mkdir(parents=True)
    (broken / "HEAD").write_text("ref: refs/heads/main\n")
    async with transaction(sessions) as session:
        await tenants.ensure_tenant(session=session, tenant_id=TENANT)
        project = await projects.create(session=session, tenant_id=TENANT, name="n", idea="Notes")
        project.status, project.live_url = "completed", live_url
        project.config = {"repo_name": "notes"}
        session.add(project)
    services = ProjectServices(settings, sessions, None)  # type: ignore[arg-type]
    runner = EvalRunner(services, forge, ProcessSandbox(), model="offline model")
    result = IdeaResult("notes", "Notes", project_id=project.id, deployed=True)

    reason = await runner.measure_and_stop(
        result, Followed(project), EvalIdea(name="notes", idea="Notes")
    )

    assert result.healthy, "measured up to the fault"
    assert reason.startswith("not measured: GitError"), reason
