"""A project's secrets reach its deployed service's environment and no other file or output.

Real ansible-runner, real processes, the real service template; the test runs as root, so it
reads the running service's /proc/<pid>/environ.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.deploy.ansible import AnsibleDeployer, find_playbooks_dir
from adapters.deploy.base import ReleaseRequest
from core.child_env import PASSED_THROUGH
from core.errors import InvalidInput
from tests.adapters.test_ansible_deployer import LocalRepo, _free_port, _get_health, _git

SLUG = "vault"
_MARKER = re.compile(r"[0-9a-f]{12}-[a-z]+")
TEMPLATE = Path(__file__).resolve().parents[2] / "agents" / "templates" / "python_http_service"


def tricky_secrets() -> dict[str, str]:
    """Values a careless loader would mangle; each holds a marker unique to this run."""
    run = uuid.uuid4().hex[:12]
    return {
        "API_KEY": f"sk-{run}-plain",
        "SPACES": f"  leading and trailing {run}-spaces\tand a tab  ",
        "QUOTES": f"it's \"double\" and 'single' {run}-quotes",
        "DOLLARS": f"$HOME ${{PATH}} $(id) `id` {run}-dollars $",
        "BACKSLASHES": f"C:\\new\\table\\0 {run}-backslashes \\",
        "UNICODE": f"пароль 密码 🔑 {run}-unicode",
        "EQUALS": f"a=b==c {run}-equals=",
        "PEM": f"-----BEGIN KEY-----\n{run}-pem\r\n-----END KEY-----\n",
        "HASH": f"# not a comment {run}-hash",
    }


def markers(secrets: dict[str, str]) -> list[bytes]:
    """The unique part of every value: found intact in any quoting, escaping or JSON."""
    found = (_MARKER.search(value) for value in secrets.values())
    return [match.group().encode() for match in found if match]


# What the coding agents add to the template first (agents/offline_model.py's health task).
HEALTH_ROUTE = """\
def health(request):
    return 200, {"status": "ok"}


ROUTES = {("GET", "/health"): health}
"""


def commit_template(work: Path) -> str:
    """Commit the service template with a health route in clone `work`, push it to main."""
    shutil.copytree(TEMPLATE, work, dirs_exist_ok=True)
    (work / "routes" / "health.py").write_text(HEALTH_ROUTE)
    _git(work, "add", "-A")
    _git(work, "commit", "-m", "service template")
    _git(work, "push", "origin", "HEAD:main")
    return _git(work, "rev-parse", "HEAD").strip()


def service_environ(releases: Path, slug: str) -> dict[str, str]:
    pid = (releases / slug / "run" / "service.pid").read_text().strip()
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    pairs = (entry.decode().partition("=") for entry in entries if entry)
    return {name: value for name, _, value in pairs}


@pytest.fixture
async def deployer(tmp_path: Path) -> AsyncIterator[AnsibleDeployer]:
    deployer = AnsibleDeployer(
        releases_dir=tmp_path / "releases",
        playbooks_dir=find_playbooks_dir(),
        health_timeout_s=5.0,
    )
    yield deployer
    await deployer.stop(project_slug=SLUG)


def _request(
    repo: LocalRepo, commit: str, release_id: str, port: int, secrets: dict[str, str]
) -> ReleaseRequest:
    return ReleaseRequest(
        project_slug=SLUG,
        release_id=release_id,
        repo_url=str(repo.bare),
        commit=commit,
        port=port,
        secret_env=secrets,
    )


async def test_secrets_reach_the_service_exactly_and_no_other_file(
    deployer: AnsibleDeployer, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    secrets = tricky_secrets()
    repo = LocalRepo(tmp_path / "git")
    port = _free_port()
    request = _request(repo, commit_template(repo.work), "r1", port, secrets)

    outcome = await deployer.deploy(request)

    assert outcome.status == "healthy", outcome.message
    assert (await _get_health(port)).status_code == 200
    releases = tmp_path / "releases"
    environ = service_environ(releases, SLUG)
    assert {name: environ.get(name) for name in secrets} == secrets
    assert set(environ) <= PASSED_THROUGH | {"PORT"} | set(secrets), set(environ)
    assert environ["PORT"] == str(port)

    env_file = releases / SLUG / "env" / "service.env"
    uid = int((releases / SLUG / "service.uid").read_text())
    info = env_file.stat()
    assert (info.st_mode & 0o777, info.st_uid, info.st_gid) == (0o600, uid, uid)
    folder = env_file.parent.stat()
    assert (folder.st_mode & 0o777, folder.st_uid, folder.st_gid) == (0o750, 0, uid)
    assert list(env_file.parent.iterdir()) == [env_file]

    planted = markers(secrets)
    assert len(planted) == len(secrets)
    files = [p for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()]
    assert any("artifacts" in p.parts for p in files), "the runner's artifacts were not scanned"
    leaked = [
        str(path)
        for path in files
        if path != env_file and any(marker in path.read_bytes() for marker in planted)
    ]
    assert leaked == []
    pid = (releases / SLUG / "run" / "service.pid").read_text().strip()
    shown = [
        Path(f"/proc/{pid}/cmdline").read_bytes(),
        repr(outcome).encode(),
        repr(request).encode(),
        "".join(capfd.readouterr()).encode(),
    ]
    assert not [m for m in planted for text in shown if m in text]


async def test_rollback_keeps_the_projects_secrets_and_a_deploy_without_any_removes_them(
    deployer: AnsibleDeployer, tmp_path: Path
) -> None:
    repo = LocalRepo(tmp_path / "git")
    port = _free_port()
    releases = tmp_path / "releases"
    first = commit_template(repo.work)
    assert (await deployer.deploy(_request(repo, first, "r1", port, {"TOKEN": "old"}))).status == (
        "healthy"
    )
    (repo.work / "routes" / "extra.py").write_text("ROUTES = {}\n")
    second = commit_template(repo.work)
    rotated = {"TOKEN": "new value"}
    assert (await deployer.deploy(_request(repo, second, "r2", port, rotated))).status == (
        "healthy"
    )

    back = await deployer.rollback(project_slug=SLUG, port=port)

    assert back.status == "healthy" and back.release_id == "r1", back.message
    # The values belong to the project, not to a release: r1 runs with today's.
    assert service_environ(releases, SLUG)["TOKEN"] == "new value"

    third = await deployer.deploy(_request(repo, second, "r3", port, {}))
    assert third.status == "healthy", third.message
    assert "TOKEN" not in service_environ(releases, SLUG)
    assert not (releases / SLUG / "env" / "service.env").exists()
    assert (await _get_health(port)).status_code == 200


async def test_a_secret_named_like_a_variable_the_deploy_sets_is_refused(
    deployer: AnsibleDeployer, tmp_path: Path
) -> None:
    repo = LocalRepo(tmp_path / "git")
    request = _request(repo, "0" * 40, "r1", _free_port(), {"PORT": "1", "API_KEY": "x"})

    with pytest.raises(InvalidInput, match="secret PORT"):
        await deployer.deploy(request)

    assert not (tmp_path / "releases" / SLUG / "runner").exists(), "no playbook may run"
