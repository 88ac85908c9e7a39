"""The pipeline deploying to a registered server over SSH, published through Cloudflare DNS."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.deploy.ansible import AnsibleDeployer, find_playbooks_dir
from adapters.deploy.target import SshTarget
from adapters.secrets.factory import build_secret_store
from core.handles import Handle
from core.settings import DnsSettings
from db.engine import transaction
from db.repositories import resources
from services.projects import ProjectServices
from services.servers import NewServer, ServerServices
from tests.fakes.cloudflare_server import FakeCloudflare
from tests.sshd import Sshd, sshd  # noqa: F401 - the session's server
from tests.stack import Stack
from worker.composition import build_worker

DOMAIN, ZONE, TOKEN = "apps.example.test", "zone-e2e", "cf-e2e-token-value"


@pytest.fixture
def cloudflare() -> Iterator[FakeCloudflare]:
    with FakeCloudflare(token=TOKEN, zone_id=ZONE) as fake:
        yield fake


async def test_an_idea_goes_live_on_a_server_under_its_dns_name(
    stack: Stack,
    sshd: Sshd,  # noqa: F811
    cloudflare: FakeCloudflare,
    tmp_path: Path,
) -> None:
    remote_root = tmp_path / "srv"
    settings = stack.settings.model_copy(
        update={
            "deploy": stack.settings.deploy.model_copy(
                update={"remote_root": str(remote_root), "runtime_dir": tmp_path / "run"}
            ),
            "dns": DnsSettings(
                cloudflare_token_handle="secret://_/CLOUDFLARE_TOKEN",
                cloudflare_zone_id=ZONE,
                domain=DOMAIN,
                cloudflare_base_url=cloudflare.base_url,
            ),
        }
    )
    store = build_secret_store(settings)
    store.put(settings.tenant, Handle.parse("secret://_/SSH_KEY_WEB_1"), sshd.private_key)
    store.put(settings.tenant, Handle.parse("secret://_/CLOUDFLARE_TOKEN"), TOKEN)
    services = ProjectServices(settings, stack.sessions, stack.client)
    await ServerServices(services, store).add(
        NewServer(name="web-1", host=sshd.host, port=sshd.port)
    )
    target = SshTarget("web-1", sshd.host, sshd.port, private_key=sshd.private_key)
    slug = ""
    try:
        async with build_worker(stack.client, settings, stack.sessions):
            project = await services.submit("Weather bot with notifications")
            state = await services.handle(project).result()
        stored = await services.get(project.id)
        slug = stored.config["repo_name"]

        assert state.status == "completed", state.error
        port = state.port
        assert state.live_url == f"http://{slug}.{DOMAIN}:{port}"
        devops = next(s for s in state.stages if s.name == "devops")
        assert f"DNS: {slug}.{DOMAIN} A 127.0.0.1 (created)" in devops.detail
        records = [(r["name"], r["type"], r["content"]) for r in cloudflare.records]
        assert records == [(f"{slug}.{DOMAIN}", "A", "127.0.0.1")]
        # The release runs from the server's tree; the name resolves nowhere here, the port does.
        assert (remote_root / "releases" / slug / "current").is_symlink()
        async with httpx.AsyncClient(trust_env=False, timeout=5) as http:
            assert (await http.get(f"http://127.0.0.1:{port}/health")).status_code == 200
        async with transaction(stack.sessions) as session:
            held = await resources.find(
                session=session,
                tenant_id=stored.tenant_id,
                project_id=project.id,
                kind="server",
                name="main",
            )
        assert held is not None and held.value == f"web-1/{project.id}"
        assert list((tmp_path / "run").iterdir()) == []
    finally:
        if slug:
            deployer = AnsibleDeployer(
                releases_dir=settings.releases_dir,
                playbooks_dir=find_playbooks_dir(),
                remote_root=str(remote_root),
                runtime_dir=tmp_path / "run",
            )
            await asyncio.shield(deployer.stop(project_slug=slug, target=target))
