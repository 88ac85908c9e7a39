"""The deploy interface: put a release live, health-check it, roll back on failure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from adapters.deploy.target import SshTarget
from core.vocabulary import ReleaseStatus as ReleaseStatus


@dataclass(frozen=True)
class ReleaseRequest:
    project_slug: str
    release_id: str  # stable across retries: the same id deploys once
    repo_url: str
    commit: str
    port: int
    health_path: str = "/health"
    # NAME -> clear-text value, resolved from handles inside the deploy activity. It never
    # leaves that activity's process: kept out of repr so no log line can print it.
    secret_env: Mapping[str, str] = field(default_factory=dict, repr=False)
    # None: this host over a local connection; else a server over SSH, its key resolved too.
    target: SshTarget | None = field(default=None, repr=False)


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
        """Start the release with `secret_env` as the project's secrets (none: no secrets);
        if its health check fails, restore the previous release."""
        ...

    async def rollback(
        self,
        *,
        project_slug: str,
        port: int,
        secret_env: Mapping[str, str] | None = None,
        health_path: str = "/health",
        to_release_id: str | None = None,
        target: SshTarget | None = None,
    ) -> ReleaseOutcome:
        """Switch back to `to_release_id` (None: the healthy release before the current one)
        and start it; on failure the current release runs again.

        `secret_env` replaces the project's secrets first; None keeps the ones on disk.
        """
        ...

    async def start(
        self,
        *,
        project_slug: str,
        port: int,
        secret_env: Mapping[str, str] | None = None,
        health_path: str = "/health",
        target: SshTarget | None = None,
    ) -> ReleaseOutcome:
        """(Re)start the current release and check its health; nothing else changes."""
        ...

    async def stop(self, *, project_slug: str, target: SshTarget | None = None) -> None:
        """Stop the project's running service (stop, cancel, tests)."""
        ...
