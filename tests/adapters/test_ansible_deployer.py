"""AnsibleDeployer against localhost: real ansible-runner, real git, real processes."""

from __future__ import annotations

import socket
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from adapters.deploy.ansible import AnsibleDeployer, find_playbooks_dir
from adapters.deploy.base import ReleaseRequest
from core.child_env import PASSED_THROUGH

SLUG = "demo"

# A tiny service in the shape the playbooks start: `python server.py --port N`.
SERVER_TEMPLATE = """\
import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

VERSION = "{version}"
MODE = "{mode}"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/health":
            self.send_response(404)
            self.end_headers()
            return
        status = 500 if MODE == "unhealthy" else 200
        body = json.dumps({{"status": "ok" if status == 200 else "broken", "version": VERSION}})
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    if MODE == "crash":
        sys.exit("config error: DATABASE_URL is not set")
    HTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
"""


class LocalRepo:
    """A bare repo plus a working clone that commits versions of server.py to main."""

    def __init__(self, root: Path) -> None:
        self.bare = root / "origin.git"
        self.work = root / "work"
        root.mkdir(parents=True)
        _git(root, "init", "--bare", "--initial-branch=main", str(self.bare))
        _git(root, "clone", str(self.bare), str(self.work))
        _git(self.work, "symbolic-ref", "HEAD", "refs/heads/main")

    def commit(self, *, version: str, mode: str = "ok", text: str = "") -> str:
        """`text`: server.py as given, instead of the template."""
        server = text or SERVER_TEMPLATE.format(version=version, mode=mode)
        (self.work / "server.py").write_text(server)
        _git(self.work, "add", "server.py")
        _git(self.work, "commit", "-m", f"server {version} ({mode})")
        _git(self.work, "push", "origin", "main")
        return _git(self.work, "rev-parse", "HEAD").strip()


def _git(cwd: Path, *args: str) -> str:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
    done = subprocess.run(
        ["git", *identity, *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _get_health(port: int) -> httpx.Response:
    async with httpx.AsyncClient(trust_env=False, timeout=2.0) as client:
        return await client.get(f"http://127.0.0.1:{port}/health")


@pytest.fixture
def repo(tmp_path: Path) -> LocalRepo:
    return LocalRepo(tmp_path / "git")


@pytest.fixture
def port() -> int:
    return _free_port()


@pytest.fixture
async def deployer(tmp_path: Path) -> AsyncIterator[AnsibleDeployer]:
    deployer = AnsibleDeployer(
        releases_dir=tmp_path / "releases",
        playbooks_dir=find_playbooks_dir(),
        health_timeout_s=3.0,
    )
    yield deployer
    # No stray services: whatever the pid file names goes down with the test.
    await deployer.stop(project_slug=SLUG)


def _request(repo: LocalRepo, commit: str, release_id: str, port: int) -> ReleaseRequest:
    return ReleaseRequest(
        project_slug=SLUG,
        release_id=release_id,
        repo_url=str(repo.bare),
        commit=commit,
        port=port,
    )


def _current(tmp_path: Path) -> str:
    return (tmp_path / "releases" / SLUG / "current").resolve().name


def _release_dirs(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "releases" / SLUG / "releases").iterdir())


async def test_deploy_goes_healthy_and_serves(
    deployer: AnsibleDeployer, repo: LocalRepo, port: int, tmp_path: Path
) -> None:
    commit = repo.commit(version="v1")

    outcome = await deployer.deploy(_request(repo, commit, "r1", port))

    assert outcome.status == "healthy", outcome.message
    assert outcome.url == f"http://127.0.0.1:{port}"
    assert outcome.previous_release_id is None
    assert Path(outcome.log_path).is_file()
    assert _current(tmp_path) == "r1"
    response = await _get_health(port)
    assert response.status_code == 200
    assert response.json()["version"] == "v1"


async def test_same_release_id_deploys_once(
    deployer: AnsibleDeployer, repo: LocalRepo, port: int, tmp_path: Path
) -> None:
    commit = repo.commit(version="v1")
    first = await deployer.deploy(_request(repo, commit, "r1", port))
    assert first.status == "healthy", first.message

    again = await deployer.deploy(_request(repo, commit, "r1", port))

    assert again.status == "healthy"
    assert "already live" in again.message
    assert _release_dirs(tmp_path) == ["r1"]
    runs = list((tmp_path / "releases" / SLUG / "runner").iterdir())
    assert len(runs) == 1, "the retry must not run the playbook again"
    assert (await _get_health(port)).status_code == 200


async def test_broken_release_rolls_back_to_previous(
    deployer: AnsibleDeployer, repo: LocalRepo, port: int, tmp_path: Path
) -> None:
    good = repo.commit(version="v1")
    assert (await deployer.deploy(_request(repo, good, "r1", port))).status == "healthy"
    broken = repo.commit(version="v2", mode="crash")

    outcome = await deployer.deploy(_request(repo, broken, "r2", port))

    assert outcome.status == "rolled_back", outcome.message
    assert outcome.previous_release_id == "r1"
    assert "r2" in outcome.message and "Rolled back to release r1" in outcome.message
    assert "DATABASE_URL is not set" in outcome.message  # the failed release's own log
    assert _current(tmp_path) == "r1"
    response = await _get_health(port)
    assert response.status_code == 200
    assert response.json()["version"] == "v1"


async def test_first_deploy_of_broken_release_fails(
    deployer: AnsibleDeployer, repo: LocalRepo, port: int, tmp_path: Path
) -> None:
    commit = repo.commit(version="v1", mode="unhealthy")

    outcome = await deployer.deploy(_request(repo, commit, "r1", port))

    assert outcome.status == "failed"
    assert outcome.previous_release_id is None
    assert "Release r1 did not become healthy" in outcome.message
    assert "Status code was 500" in outcome.message
    assert "no previous release" in outcome.message
    assert "Traceback" not in outcome.message
    assert not (tmp_path / "releases" / SLUG / "current").exists()
    assert not (tmp_path / "releases" / SLUG / "run" / "service.pid").exists()
    with pytest.raises(httpx.ConnectError):
        await _get_health(port)


async def test_rollback_returns_to_the_earlier_release(
    deployer: AnsibleDeployer, repo: LocalRepo, port: int, tmp_path: Path
) -> None:
    v1 = repo.commit(version="v1")
    assert (await deployer.deploy(_request(repo, v1, "r1", port))).status == "healthy"
    v2 = repo.commit(version="v2")
    second = await deployer.deploy(_request(repo, v2, "r2", port))
    assert second.status == "healthy", second.message
    assert second.previous_release_id == "r1"
    assert (await _get_health(port)).json()["version"] == "v2"

    outcome = await deployer.rollback(project_slug=SLUG, port=port)

    assert outcome.status == "healthy", outcome.message
    assert outcome.release_id == "r1"
    assert outcome.previous_release_id == "r2"
    assert _current(tmp_path) == "r1"
    assert (await _get_health(port)).json()["version"] == "v1"

    # r2 left the history, so there is nothing before r1 any more.
    again = await deployer.rollback(project_slug=SLUG, port=port)
    assert again.status == "failed"
    assert "nothing earlier to roll back to" in again.message
    assert (await _get_health(port)).json()["version"] == "v1"


async def test_no_secret_of_the_worker_reaches_the_service_or_the_artifacts(
    deployer: AnsibleDeployer,
    repo: LocalRepo,
    port: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    planted = [f"sk-planted-{uuid.uuid4().hex}", f"ghp_planted-{uuid.uuid4().hex}"]
    monkeypatch.setenv("LLM_API_KEY", planted[0])
    monkeypatch.setenv("FORGE_GITHUB_TOKEN", planted[1])
    commit = repo.commit(version="v1")

    outcome = await deployer.deploy(_request(repo, commit, "r1", port))

    assert outcome.status == "healthy", outcome.message
    pid = (tmp_path / "releases" / SLUG / "run" / "service.pid").read_text().strip()
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    names = {item.split(b"=", 1)[0].decode() for item in environ if item}
    # Only what any program needs, and its port: nothing of ansible's or the worker's.
    assert names <= PASSED_THROUGH | {"PORT"}, names
    assert f"PORT={port}".encode() in environ
    leaked = [
        str(path)
        for path in tmp_path.rglob("*")
        if path.is_file() and any(value.encode() in path.read_bytes() for value in planted)
    ]
    assert leaked == []
    assert list(tmp_path.glob("releases/*/runner/*/artifacts/run/command")), "nothing was checked"


async def test_a_release_that_raises_is_explained_in_words_and_a_named_rollback_works(
    deployer: AnsibleDeployer, repo: LocalRepo, port: int, tmp_path: Path
) -> None:
    v1 = repo.commit(version="v1")
    assert (await deployer.deploy(_request(repo, v1, "r1", port))).status == "healthy"
    v2 = repo.commit(version="v2")
    assert (await deployer.deploy(_request(repo, v2, "r2", port))).status == "healthy"
    raising = repo.commit(version="v3", text="import weather_sdk_that_is_not_there\n")

    outcome = await deployer.deploy(_request(repo, raising, "r3", port))

    assert outcome.status == "rolled_back", outcome.message
    # The task that failed, named (it exited at start, or under load only stopped answering).
    assert "Check that release r3 started" in outcome.message or "Wait for release r3" in (
        outcome.message
    )
    assert "No module named 'weather_sdk_that_is_not_there'" in outcome.message
    assert "Traceback" not in outcome.message and 'File "' not in outcome.message
    assert (await _get_health(port)).json()["version"] == "v2"

    back = await deployer.rollback(project_slug=SLUG, port=port, to_release_id="r1")
    assert (back.status, back.release_id, back.previous_release_id) == ("healthy", "r1", "r2")
    assert (await _get_health(port)).json()["version"] == "v1"
    # r2 came after r1: it left the history, so nothing is earlier than r1 now.
    again = await deployer.rollback(project_slug=SLUG, port=port)
    assert "nothing earlier to roll back to" in again.message

    await deployer.stop(project_slug=SLUG)
    restarted = await deployer.start(project_slug=SLUG, port=port)
    assert (restarted.status, restarted.release_id) == ("healthy", "r1"), restarted.message
    assert (await _get_health(port)).json()["version"] == "v1"
