"""A deployed service runs as its project's unprivileged uid and cannot reach what is not its own.

Real ansible-runner, real processes: the release's own code probes the host and reports what
it could read and write on /probe.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from adapters.deploy.ansible import AnsibleDeployer, find_playbooks_dir
from adapters.deploy.base import ReleaseRequest
from tests.adapters.test_ansible_deployer import LocalRepo, _free_port, _git

MARKER = "planted-marker-7f3a"

# Each probe returns what it got ("read:<text>", "listed:[...]", "wrote") or the error name.
PROBE_SERVER = """\
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

TARGETS = json.loads({targets!r})


def attempt(kind, path):
    try:
        if kind == "read":
            with open(path) as f:
                return "read:" + f.read()
        if kind == "list":
            return "listed:" + json.dumps(sorted(os.listdir(path)))
        with open(path, "w") as f:
            f.write("x")
        return "wrote"
    except OSError as error:
        return type(error).__name__


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body = {{"status": "ok"}}
        else:
            body = {{name: attempt(*target) for name, target in TARGETS.items()}}
        self.send_response(200)
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", int(sys.argv[2])), Handler).serve_forever()
"""


@pytest.fixture
async def deployer(tmp_path: Path) -> AsyncIterator[AnsibleDeployer]:
    deployer = AnsibleDeployer(
        releases_dir=tmp_path / "releases",
        playbooks_dir=find_playbooks_dir(),
        health_timeout_s=5.0,
    )
    yield deployer
    for slug in ("alpha", "beta"):
        await deployer.stop(project_slug=slug)


def _commit_probe(repo: LocalRepo, targets: dict[str, list[str]]) -> str:
    (repo.work / "server.py").write_text(PROBE_SERVER.format(targets=json.dumps(targets)))
    _git(repo.work, "add", "server.py")
    _git(repo.work, "commit", "-m", "probe")
    _git(repo.work, "push", "origin", "main")
    return _git(repo.work, "rev-parse", "HEAD").strip()


async def _deploy(deployer: AnsibleDeployer, slug: str, repo: LocalRepo, commit: str) -> int:
    port = _free_port()
    outcome = await deployer.deploy(
        ReleaseRequest(
            project_slug=slug,
            release_id="r1",
            repo_url=str(repo.bare),
            commit=commit,
            port=port,
            secret_env={"API_KEY": f"{MARKER}-{slug}"},
        )
    )
    assert outcome.status == "healthy", outcome.message
    return port


def _status(pid: str) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {key: value.strip() for key, _, value in (line.partition(":") for line in lines)}


async def test_a_service_runs_unprivileged_and_reaches_only_its_own_directory(
    deployer: AnsibleDeployer, tmp_path: Path
) -> None:
    # What the operator's data dir holds next to releases/, as SQLite and the stack write it.
    (tmp_path / "orchestrator.db").write_text(MARKER)
    (tmp_path / "orchestrator.db").chmod(0o644)
    (tmp_path / "secrets").mkdir(mode=0o755)
    (tmp_path / "secrets" / "age.key").write_text(MARKER)
    beta_repo = LocalRepo(tmp_path / "git-beta")
    await _deploy(deployer, "beta", beta_repo, _commit_probe(beta_repo, {}))
    releases = tmp_path / "releases"
    own_home = releases / "alpha" / "var"
    targets = {
        "database": ["read", str(tmp_path / "orchestrator.db")],
        "secret": ["read", str(tmp_path / "secrets" / "age.key")],
        "data_dir": ["list", str(tmp_path)],
        "releases": ["list", str(releases)],
        "other_project": ["list", str(releases / "beta")],
        "other_code": ["read", str(releases / "beta" / "releases" / "r1" / "server.py")],
        "data_dir_write": ["write", str(tmp_path / "planted-by-service")],
        "own_code_write": ["write", str(releases / "alpha" / "releases" / "r1" / "server.py")],
        "own_logs": ["list", str(releases / "alpha" / "logs")],
        "other_secrets": ["read", str(releases / "beta" / "env" / "service.env")],
        "own_env_write": ["write", str(releases / "alpha" / "env" / "planted")],
        "own_home_write": ["write", str(own_home / "state.txt")],
    }
    alpha_repo = LocalRepo(tmp_path / "git-alpha")
    port = await _deploy(deployer, "alpha", alpha_repo, _commit_probe(alpha_repo, targets))

    async with httpx.AsyncClient(trust_env=False, timeout=2.0) as client:
        assert (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 200
        seen = (await client.get(f"http://127.0.0.1:{port}/probe")).json()

    assert seen == {
        "database": "PermissionError",
        "secret": "PermissionError",
        "data_dir": "PermissionError",
        "releases": "PermissionError",
        "other_project": "PermissionError",
        "other_code": "PermissionError",
        "data_dir_write": "PermissionError",
        "own_code_write": "PermissionError",
        "own_logs": "PermissionError",
        "other_secrets": "PermissionError",
        "own_env_write": "PermissionError",
        "own_home_write": "wrote",
    }
    assert not (tmp_path / "planted-by-service").exists()
    pid = (releases / "alpha" / "run" / "service.pid").read_text().strip()
    status = _status(pid)
    alpha_uid = (releases / "alpha" / "service.uid").read_text().strip()
    beta_uid = (releases / "beta" / "service.uid").read_text().strip()
    assert alpha_uid != beta_uid
    assert status["Uid"].split() == [alpha_uid] * 4  # real, effective, saved, filesystem
    assert status["Gid"].split() == [alpha_uid] * 4
    assert status["Groups"] == ""
    assert status["CapEff"] == status["CapPrm"] == status["CapBnd"] == "0" * 16
    assert status["NoNewPrivs"] == "1"
    limits = Path(f"/proc/{pid}/limits").read_text()
    assert "Max processes             128" in limits
    assert f"Max address space         {1024 * 1024 * 1024}" in limits
