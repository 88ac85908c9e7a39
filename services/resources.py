"""What Zavhoz gave a project: its handles (a secret's row holds its handle, not its value)."""

from __future__ import annotations

from db.engine import transaction
from db.models import Resource
from db.repositories import resources
from services.projects import ProjectServices


async def project_resources(
    projects: ProjectServices, project_id: str, *, tenant_id: str | None = None
) -> list[Resource]:
    project = await projects.get(project_id, tenant_id=tenant_id)  # the tenant check
    async with transaction(projects.sessions) as session:
        rows = await resources.list_for_project(
            session=session, tenant_id=project.tenant_id, project_id=project.id
        )
    return sorted(rows, key=lambda r: (r.kind, r.name))


def handle_of(row: Resource) -> str:
    """kind://project/name; a secret's row already holds its handle."""
    return row.value if row.kind == "secret" else f"{row.kind}://{row.project_id}/{row.name}"
