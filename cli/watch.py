"""Follow a project live until it ends."""

from __future__ import annotations

import asyncio

from rich.console import Console
from rich.live import Live

from cli.render import project_view
from db.models import Project
from services.projects import ProjectServices

TERMINAL = {"completed", "failed", "cancelled"}


async def watch(services: ProjectServices, project: Project, console: Console) -> Project:
    """Refresh the stage table each second; return the project as it ended."""
    with Live(console=console, refresh_per_second=4, transient=False) as live:
        while True:
            project = await services.get(project.id, tenant_id=project.tenant_id)
            state = await services.live_state(project)
            live.update(project_view(project, state))
            status = state.status if state else project.status
            if status in TERMINAL and project.status in TERMINAL:
                return project
            await asyncio.sleep(1)
