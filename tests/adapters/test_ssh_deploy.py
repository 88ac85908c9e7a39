"""AnsibleDeployer to a server over SSH: a real sshd on a loopback port, real ansible-runner."""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from adapters.deploy.ansible import AnsibleDeployer, find_playbooks_dir
from adapters.deploy.base import ReleaseRequest
from adapters.deploy.target import SshTarget
from tests.adapters.test_ansible_deployer import LocalRepo, _free_port
from tests.log_capture import production_logging
from tests.sshd import Sshd, sshd  # noqa: F401 - the session's server

SLUG = "remote-demo"


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "data": tmp_path / "data",
        "remote": tmp_path / "srv",  # the "server's" side of this same machine
        "runtime": tmp_path / "run",
    }
    paths["data"].mkdir()
    return paths


@pytest.fixture
def target(sshd: Sshd) -> SshTarget:  # noqa: F811
    return SshTarget(name="s1", host=sshd.host, port=sshd.port, private_key=sshd.private_key)


@pytest.fixture
async def deployer(layout: dict[str, Path], target: SshTarget) -> AsyncIterator[AnsibleDeployer]:
    deployer = AnsibleDeployer(
        releases_dir=layout["data"] / "releases",
        playbooks_dir=find_playbooks_dir(),
        health_timeout_s=10.0,
        remote_root=str(layout["remote"]),
        runtime_dir=layout["runtime"],
    )
    yield deployer
    await deployer.stop(project_slug=SLUG, target=target)


def _files_holding(root: Path, needle: bytes) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and needle in path.read_bytes():
            found.append(path)
    return found


async def test_release_goes_live_on_the_server_and_the_key_leaves_no_trace(
    deployer: AnsibleDeployer,
    target: SshTarget,
    layout: dict[str, Path],
    tmp_path: Path,
    sshd: Sshd,  # noqa: F811
) -> None:
    repo = LocalRepo(tmp_path / "git")
    commit = repo.commit(version="v1")
    port = _free_port()
    with production_logging() as logs:
        outcome = await deployer.deploy(
            ReleaseRequest(
                project_slug=SLUG,
                release_id="r1",
                repo_url=str(repo.bare),
                commit=commit,
                port=port,
                secret_env={"WEATHER_API_KEY": "remote-secret-value-1"},
                target=target,
            )
        )

    assert outcome.status == "healthy", outcome.message
    assert outcome.url == f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(trust_env=False, timeout=2.0) as client:
        response = await client.get(f"http://127.0.0.1:{port}/health")
    assert response.status_code == 200 and response.json()["version"] == "v1"
    # The release lives under the server's root, not in the data dir.
    remote_project = layout["remote"] / "releases" / SLUG
    assert (remote_project / "current").resolve().name == "r1"
    assert not (layout["data"] / "releases" / SLUG / "releases").exists()
    env_file = remote_project / "env" / "service.env"
    assert env_file.read_bytes() == b"WEATHER_API_KEY=remote-secret-value-1\0"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert env_file.stat().st_uid != 0
    assert stat.S_IMODE(layout["runtime"].stat().st_mode) == 0o700

    # The key file was removed with its run directory, and the key is nowhere else.
    assert list(layout["runtime"].iterdir()) == []
    key_line = sshd.private_key.splitlines()[1].encode()
    assert _files_holding(layout["data"], key_line) == []
    assert _files_holding(layout["data"], b"remote-secret-value-1") == []
    assert key_line.decode() not in logs.getvalue()
    # What Ansible was given names the key file, never its content.
    inventory = next((layout["data"] / "releases" / SLUG / "runner").glob("r1-*/inventory/hosts"))
    assert "ansible_ssh_private_key_file=" in inventory.read_text()
    assert not list((layout["data"] / "releases" / SLUG / "runner").glob("*/env/ssh_key"))


async def test_the_key_file_is_removed_when_the_run_fails(
    deployer: AnsibleDeployer, target: SshTarget, layout: dict[str, Path], tmp_path: Path
) -> None:
    repo = LocalRepo(tmp_path / "git")
    commit = repo.commit(version="v1", mode="crash")

    outcome = await deployer.deploy(
        ReleaseRequest(
            project_slug=SLUG,
            release_id="r1",
            repo_url=str(repo.bare),
            commit=commit,
            port=_free_port(),
            target=target,
        )
    )

    assert outcome.status == "failed"
    assert "DATABASE_URL is not set" in outcome.message
    assert list(layout["runtime"].iterdir()) == []


async def test_an_unreachable_server_fails_with_the_reason(
    layout: dict[str, Path],
    tmp_path: Path,
    sshd: Sshd,  # noqa: F811
) -> None:
    deployer = AnsibleDeployer(
        releases_dir=layout["data"] / "releases",
        playbooks_dir=find_playbooks_dir(),
        remote_root=str(layout["remote"]),
        runtime_dir=layout["runtime"],
    )
    repo = LocalRepo(tmp_path / "git")
    closed = SshTarget(
        name="gone", host="127.0.0.1", port=_free_port(), private_key=sshd.private_key
    )

    outcome = await deployer.deploy(
        ReleaseRequest(
            project_slug=SLUG,
            release_id="r1",
            repo_url=str(repo.bare),
            commit=repo.commit(version="v1"),
            port=_free_port(),
            target=closed,
        )
    )

    assert outcome.status == "failed"
    assert "Connection refused" in outcome.message
    assert os.listdir(layout["runtime"]) == []


async def test_rollback_to_a_named_release_stop_and_start_work_on_the_server(
    deployer: AnsibleDeployer, target: SshTarget, layout: dict[str, Path], tmp_path: Path
) -> None:
    repo = LocalRepo(tmp_path / "git")
    port = _free_port()
    for version in ("v1", "v2", "v3"):
        outcome = await deployer.deploy(
            ReleaseRequest(
                project_slug=SLUG,
                release_id=f"r-{version}",
                repo_url=str(repo.bare),
                commit=repo.commit(version=version),
                port=port,
                target=target,
            )
        )
        assert outcome.status == "healthy", outcome.message

    back = await deployer.rollback(
        project_slug=SLUG, port=port, to_release_id="r-v1", target=target
    )
    assert back.status == "healthy", back.message
    assert (back.release_id, back.previous_release_id) == ("r-v1", "r-v3")
    assert await _version(port) == "v1"
    # The server's own copies of the scripts (tasks/remote_root.yml), not this checkout's.
    assert (layout["remote"] / "bin" / "tree.sh").is_file()

    await deployer.stop(project_slug=SLUG, target=target)
    assert await _version(port) is None
    started = await deployer.start(project_slug=SLUG, port=port, target=target)
    assert started.status == "healthy", started.message
    assert started.release_id == "r-v1"
    assert await _version(port) == "v1"


async def _version(port: int) -> str | None:
    async with httpx.AsyncClient(trust_env=False, timeout=2.0) as client:
        try:
            response = await client.get(f"http://127.0.0.1:{port}/health")
        except httpx.HTTPError:
            return None
    return str(response.json()["version"])
