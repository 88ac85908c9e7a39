"""The deploy interface: put a release live, health-check it, roll back on failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.vocabulary import ReleaseStatus as ReleaseStatus


@dataclass(frozen=True)
class ReleaseRequest:
    project_slug: str
    release_id: str  # stable across retries: the same id deploys once
    repo_url: str
    commit: str
    port: int
    health_path: str = "/health"


@dataclass(frozen=True)
class ReleaseOutcome:
    status: ReleaseStatus
    release_id: str
    url: str
    release_dir: str
    previous_release_id: str | None
    message: str
    log_path: str = ""


class Deployer(Protocol):
    name: str

    async def deploy(self, request: ReleaseRequest) -> ReleaseOutcome:
        """Start the release; if its health check fails, restore the previous release."""
        ...

    async def rollback(self, *, project_slug: str, port: int) -> ReleaseOutcome:
        """Switch back to the release before the current one and start it."""
        ...

    async def stop(self, *, project_slug: str) -> None:
        """Stop the project's running service (used by cancel and by tests)."""
        ...
