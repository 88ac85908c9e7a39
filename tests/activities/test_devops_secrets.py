"""devops.deploy_release resolves the project's secret handles itself, at the last moment.

Real SOPS store, real database, real forge, real ansible-runner; the activity runs in
Temporal's ActivityEnvironment.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.context import ActivityContext
from activities.devops import DevOpsActivities
from adapters.deploy.ansible import AnsibleDeployer, find_playbooks_dir
from adapters.forge.local import LocalForge
from adapters.secrets.base import SecretStore
from adapters.secrets.factory import build_secret_store
from core.contracts import DeployInput, DeployResult
from core.handles import TENANT_SCOPE, Handle
from core.settings import Settings
from db.engine import SessionFactory, transaction
from db.models import Resource
from db.repositories import events, projects, tenants
from tests.adapters.test_ansible_deployer import _free_port, _get_health, _git
from tests.adapters.test_deploy_secrets import commit_template, service_environ
from tests.local_forge import sessions  # noqa: F401 - fixture

TENANT = "t1"
REPO_NAME = "weather"


@dataclass
class Setup:
    settings: Settings
    sessions: SessionFactory
    store: SecretStore
    devops: DevOpsActivities
    deployer: AnsibleDeployer
    project_id: str
    commit: str

    async def require(self, name: str, handle: str) -> None:
        """What Zavhoz records for a secret the spec needs."""
        async with transaction(self.sessions) as session:
            session.add(
                Resource(
                    tenant_id=TENANT,
                    project_id=self.project_id,
                    kind="secret",
                    name=name,
                    value=handle,
                )
            )

    async def deploy(self) -> DeployResult:
        request = DeployInput(
            project_id=self.project_id,
            tenant_id=TENANT,
            commit=self.commit,
            release_id=f"r-{uuid.uuid4().hex[:6]}",
            port=_free_port(),
        )
        return await ActivityEnvironment().run(self.devops.deploy_release, request)


@pytest.fixture
async def setup(sessions: SessionFactory, tmp_path: Path) -> AsyncIterator[Setup]:  # noqa: F811
    settings = Settings(home=tmp_path / "home")
    forge = LocalForge(root=tmp_path / "forge", sessions=sessions, tenant_id=TENANT)
    repo = await forge.ensure_repository(
        owner=settings.forge.owner, name=REPO_NAME, description="Weather."
    )
    work = tmp_path / "work"
    _git(tmp_path, "clone", repo.clone_url, str(work))
    commit = commit_template(work)
    async with transaction(sessions) as session:
        await tenants.ensure_tenant(session=session, tenant_id=TENANT)
        project = await projects.create(
            session=session, tenant_id=TENANT, name="Weather", idea="A weather service."
        )
        await projects.update(session=session, project=project, config={"repo_name": REPO_NAME})
    store = build_secret_store(settings)
    deployer = AnsibleDeployer(
        releases_dir=settings.releases_dir,
        playbooks_dir=find_playbooks_dir(),
        health_timeout_s=5.0,
    )
    ctx = ActivityContext(settings=settings, sessions=sessions, secrets=store)
    devops = DevOpsActivities(ctx, forge, deployer)
    yield Setup(settings, sessions, store, devops, deployer, project.id, commit)
    await deployer.stop(project_slug=REPO_NAME)


async def test_an_unknown_handle_fails_for_good_naming_the_handle_not_a_value(
    setup: Setup,
) -> None:
    known = f"known-{uuid.uuid4().hex}"
    setup.store.put(TENANT, Handle.secret(setup.project_id, "KNOWN"), known)
    await setup.require("KNOWN", f"secret://{setup.project_id}/KNOWN")
    await setup.require("WEATHER_API_KEY", f"secret://{setup.project_id}/WEATHER_API_KEY")

    with pytest.raises(ApplicationError) as failure:
        await setup.deploy()

    assert failure.value.non_retryable
    assert failure.value.type == "UnknownHandle"
    assert f"secret://{setup.project_id}/WEATHER_API_KEY" in str(failure.value)
    assert known not in str(failure.value)
    assert not (setup.settings.releases_dir / REPO_NAME / "runner").exists(), "nothing ran"


async def test_a_handle_to_another_projects_secret_is_refused(setup: Setup) -> None:
    setup.store.put(TENANT, Handle.secret("someone-else", "TOKEN"), "theirs")
    await setup.require("TOKEN", "secret://someone-else/TOKEN")

    with pytest.raises(ApplicationError) as failure:
        await setup.deploy()

    assert failure.value.non_retryable and failure.value.type == "InvalidInput"
    assert "secret://someone-else/TOKEN" in str(failure.value)
    assert "theirs" not in str(failure.value)


async def test_resolved_secrets_reach_the_service_and_not_the_result_or_events(
    setup: Setup,
) -> None:
    own = f'own {uuid.uuid4().hex} $HOME "q"'
    shared = f"shared-{uuid.uuid4().hex}"
    setup.store.put(TENANT, Handle.secret(setup.project_id, "WEATHER_API_KEY"), own)
    setup.store.put(TENANT, Handle.secret(TENANT_SCOPE, "SHARED_TOKEN"), shared)
    await setup.require("WEATHER_API_KEY", f"secret://{setup.project_id}/WEATHER_API_KEY")
    await setup.require("SHARED_TOKEN", f"secret://{TENANT_SCOPE}/SHARED_TOKEN")

    result = await setup.deploy()

    environ = service_environ(setup.settings.releases_dir, REPO_NAME)
    assert environ["WEATHER_API_KEY"] == own and environ["SHARED_TOKEN"] == shared
    assert result.status == "healthy", result.message
    assert (await _get_health(int(result.url.rsplit(":", 1)[1]))).status_code == 200
    async with transaction(setup.sessions) as session:
        logged = await events.list_for_project(
            session=session, tenant_id=TENANT, project_id=setup.project_id
        )
    shown = repr(result) + "".join(f"{e.message}{e.payload}" for e in logged)
    assert logged and own not in shown and shared not in shown
