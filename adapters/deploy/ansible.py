"""Deploy releases with ansible-runner and the playbooks in infra/ansible/.

To this host over a local connection, or to a server of the inventory over SSH
(adapters/deploy/ssh.py), where releases live under `remote_root` instead of the data dir.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import structlog

from adapters.deploy.base import ReleaseOutcome, ReleaseRequest, ReleaseStatus
from adapters.deploy.confinement import (
    ServiceLimits,
    lock_data_dir,
    service_id,
    unreachable_parent,
)
from adapters.deploy.env_file import write_env_file
from adapters.deploy.remote import remote_vars
from adapters.deploy.runner import run_playbook
from adapters.deploy.ssh import local_inventory, private_run_dir, ssh_inventory, write_key
from adapters.deploy.target import SshTarget
from core.child_env import PASSED_THROUGH, child_environment
from core.pid_files import alive

log = structlog.get_logger()

# The service convention the playbooks start: `<python> server.py --port <port>`.
SERVICE_SCRIPT = "server.py"
_STOP_GRACE_S = 5.0
_STOP_POLL_S = 0.1
# Set by the deploy for every service (_service_env): a secret may not take these names.
_SERVICE_OWN_NAMES = PASSED_THROUGH | {"PORT"}


def find_playbooks_dir() -> Path:
    """The repository's infra/ansible folder."""
    return Path(__file__).resolve().parents[2] / "infra" / "ansible"


@dataclass(frozen=True)
class _ProjectLayout:
    """Paths under <releases_dir>/<slug>; must match infra/ansible/vars/layout.yml."""

    root: Path

    @property
    def current(self) -> Path:
        return self.root / "current"

    @property
    def pid_file(self) -> Path:
        return self.root / "run" / "service.pid"

    @property
    def env_file(self) -> Path:
        """The service's secrets (adapters/deploy/env_file.py); one per project, not release."""
        return self.root / "env" / "service.env"

    @property
    def history_file(self) -> Path:
        return self.root / "history"

    @property
    def service_home(self) -> Path:
        """The one directory the service may write (its HOME and TMPDIR)."""
        return self.root / "var"

    def release_dir(self, release_id: str) -> Path:
        return self.root / "releases" / release_id

    def current_release_id(self) -> str | None:
        if not self.current.is_symlink():
            return None
        return Path(os.readlink(self.current)).name

    def history(self) -> list[str]:
        try:
            lines = self.history_file.read_text().splitlines()
        except FileNotFoundError:
            return []
        return [line.strip() for line in lines if line.strip()]

    def record_in_history(self, release_id: str) -> None:
        if release_id not in self.history():
            with self.history_file.open("a") as history:
                history.write(f"{release_id}\n")

    def new_runner_dir(self, label: str) -> Path:
        """A fresh private_data_dir per run, so each run's artifacts stay readable."""
        base = self.root / "runner"
        base.mkdir(parents=True, exist_ok=True)
        # Its artifacts hold the service's whole argv and environment: root's only.
        base.chmod(0o700)
        n = 1
        while True:
            candidate = base / f"{label}-{n}"
            try:
                candidate.mkdir()
            except FileExistsError:
                n += 1
                continue
            return candidate


@dataclass(frozen=True)
class _Connection:
    """How one run reaches its host; `private_dir` (SSH only) is removed after the run."""

    inventory: str
    private_dir: Path | None = None


@dataclass(frozen=True)
class _PlaybookRun:
    succeeded: bool
    rc: int
    stats: dict[str, Any]  # what the playbook reported with set_stats
    failure: str  # the failing task's message, for a person
    log_path: Path


class AnsibleDeployer:
    """Releases under releases_dir/<slug>, started and health-checked by ansible on localhost."""

    name = "ansible"

    def __init__(
        self,
        *,
        releases_dir: Path,
        playbooks_dir: Path,
        host: str = "127.0.0.1",
        health_timeout_s: float = 20.0,
        python: str = "/usr/bin/python3",
        data_dir: Path | None = None,
        limits: ServiceLimits | None = None,
        remote_root: str = "/srv/orchestrator",
        runtime_dir: Path = Path("/run/orchestrator"),
    ) -> None:
        self._releases_dir = releases_dir
        # Settings keep releases in <data dir>/releases; the rest of that dir is root's only.
        self._data_dir = data_dir or releases_dir.parent
        self._limits = limits or ServiceLimits()
        self._playbooks_dir = playbooks_dir
        self._host = host
        self._health_timeout_s = health_timeout_s
        self._python = python
        self._remote_root = remote_root.rstrip("/")
        self._runtime_dir = runtime_dir
        # Host keys seen on first connection (public, so the data dir may keep them).
        self._known_hosts = self._data_dir / "ssh" / "known_hosts"

    async def deploy(self, request: ReleaseRequest) -> ReleaseOutcome:
        layout = self._layout(request.project_slug)
        target = request.target
        url = f"http://{self._service_host(target)}:{request.port}"
        release_dir = layout.release_dir(request.release_id)
        previous_id = layout.current_release_id()

        # A retried activity must not create a second release of the same id.
        if previous_id == request.release_id and await _answers_200(
            self._service_host(target), request.port, request.health_path
        ):
            return _already_live(layout, request, url)

        if target is None and (refused := self._unreachable()):
            return _refused(request.release_id, url, str(release_dir), previous_id, refused)
        common = self._common_vars(layout, request.port, request.health_path, target)
        extravars = {
            **common,
            "release_id": request.release_id,
            "repo_url": request.repo_url,
            "commit": request.commit,
        }
        async with self._connection(target) as connection:
            if connection.private_dir is None:
                # Before the playbook: a failed release gives way to the previous one with
                # these too.
                _write_secrets(layout, request.secret_env, common["service_uid"])
            else:
                extravars |= await remote_vars(
                    connection.private_dir,
                    secret_env=request.secret_env,
                    reserved=_SERVICE_OWN_NAMES,
                    source=(request.repo_url, request.commit),
                )
            run = await self._run(
                "deploy.yml", layout.new_runner_dir(request.release_id), extravars, connection
            )
        previous_id = run.stats.get("previous_release_id") or previous_id or None
        status = _deploy_status(run)
        if status == "healthy":
            message = f"Release {request.release_id} is live at {url}" + (
                f" (replacing {previous_id})." if previous_id else "."
            )
        else:
            message = run.failure
        log.info(
            "deploy.finished",
            project=request.project_slug,
            release_id=request.release_id,
            status=status,
            previous_release_id=previous_id,
            log_path=str(run.log_path),
        )
        return ReleaseOutcome(
            status=status,
            release_id=request.release_id,
            url=url,
            release_dir=str(release_dir),
            previous_release_id=previous_id,
            message=message,
            log_path=str(run.log_path),
        )

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
        layout = self._layout(project_slug)
        url = f"http://{self._service_host(target)}:{port}"
        left_id = layout.current_release_id()
        if target is None and (refused := self._unreachable()):
            return _refused(left_id or "", url, "", left_id, refused)
        common = self._common_vars(layout, port, health_path, target)
        extravars = {**common, "requested_release_id": to_release_id or ""}
        async with self._connection(target) as connection:
            extravars |= await self._secrets(layout, connection, secret_env, common)
            run = await self._run(
                "rollback.yml", layout.new_runner_dir("rollback"), extravars, connection
            )
        # On a server the release left is only known there: rollback.yml reports it.
        left_id = str(run.stats.get("previous_release_id") or left_id or "") or None
        release_id = str(run.stats.get("release_id") or left_id or "")
        status: ReleaseStatus = "healthy" if run.succeeded else "failed"
        message = (
            f"Rolled back from {left_id} to {release_id}; live at {url}."
            if run.succeeded
            else run.failure
        )
        log.info(
            "rollback.finished",
            project=project_slug,
            release_id=release_id,
            status=status,
            log_path=str(run.log_path),
        )
        return ReleaseOutcome(
            status=status,
            release_id=release_id,
            url=url,
            release_dir=str(layout.release_dir(release_id)) if release_id else "",
            previous_release_id=left_id,
            message=message,
            log_path=str(run.log_path),
        )

    async def start(
        self,
        *,
        project_slug: str,
        port: int,
        secret_env: Mapping[str, str] | None = None,
        health_path: str = "/health",
        target: SshTarget | None = None,
    ) -> ReleaseOutcome:
        layout = self._layout(project_slug)
        url = f"http://{self._service_host(target)}:{port}"
        current = layout.current_release_id()
        if target is None and (refused := self._unreachable()):
            return _refused(current or "", url, "", current, refused)
        common = self._common_vars(layout, port, health_path, target)
        async with self._connection(target) as connection:
            extravars = common | await self._secrets(layout, connection, secret_env, common)
            run = await self._run(
                "start.yml", layout.new_runner_dir("start"), extravars, connection
            )
        # On a server the release is only known there: start.yml reports it.
        current = str(run.stats.get("release_id") or current or "") or None
        status: ReleaseStatus = "healthy" if run.succeeded else "failed"
        message = f"Release {current} is live at {url}." if run.succeeded else run.failure
        log.info("start.finished", project=project_slug, release_id=current, status=status)
        return ReleaseOutcome(
            status=status,
            release_id=current or "",
            url=url,
            release_dir=str(layout.release_dir(current)) if current else "",
            previous_release_id=current,
            message=message,
            log_path=str(run.log_path),
        )

    async def stop(self, *, project_slug: str, target: SshTarget | None = None) -> None:
        if target is not None:
            layout = self._layout(project_slug)
            async with self._connection(target) as connection:
                run = await self._run(
                    "stop.yml",
                    layout.new_runner_dir("stop"),
                    {**self._remote_paths(), "project_slug": project_slug},
                    connection,
                )
            if not run.succeeded:
                raise RuntimeError(f"stopping {project_slug} on {target.name}: {run.failure}")
            return
        pid_file = self._layout(project_slug).pid_file
        pid = _service_pid(pid_file)
        if pid is not None:
            await _stop_process_group(pid)
            log.info("service.stopped", project=project_slug, pid=pid)
        pid_file.unlink(missing_ok=True)

    def _layout(self, project_slug: str) -> _ProjectLayout:
        """The project's tree here: its releases, or (for a server) its runs' artifacts."""
        return _ProjectLayout(self._releases_dir / project_slug)

    def _service_host(self, target: SshTarget | None) -> str:
        return self._host if target is None else target.host

    def _remote_paths(self) -> dict[str, str]:
        """Where a server keeps releases and the service script (tasks/remote_root.yml)."""
        return {
            "remote_root": self._remote_root,
            "releases_root": f"{self._remote_root}/releases",
            "service_script": f"{self._remote_root}/bin/service.sh",
            "tree_script": f"{self._remote_root}/bin/tree.sh",
        }

    @asynccontextmanager
    async def _connection(self, target: SshTarget | None) -> AsyncIterator[_Connection]:
        if target is None:
            yield _Connection(local_inventory())
            return
        # Removed when the run ends, also when it fails or the activity is cancelled.
        with private_run_dir(self._runtime_dir) as private:
            key = write_key(private, target)
            inventory = ssh_inventory(target, key_file=key, known_hosts=self._known_hosts)
            yield _Connection(inventory, private)

    async def _secrets(
        self,
        layout: _ProjectLayout,
        connection: _Connection,
        secret_env: Mapping[str, str] | None,
        common: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Replace the project's secrets (None keeps them): a file here, or the extra vars
        that tasks/remote_secrets.yml writes on a server."""
        if secret_env is None:
            return {}
        if connection.private_dir is None:
            _write_secrets(layout, secret_env, common["service_uid"])
            return {}
        return await remote_vars(
            connection.private_dir, secret_env=secret_env, reserved=_SERVICE_OWN_NAMES
        )

    def _unreachable(self) -> str:
        """Why a service's uid could not reach its release here, or "" when it can."""
        blocked = unreachable_parent(self._data_dir)
        if blocked is None:
            return ""
        return (
            f"Deployed services run as an unprivileged user, which cannot search {blocked} "
            f"on the way to the data dir {self._data_dir}. Put the data dir where every "
            f"parent directory is searchable by others (chmod o+x), e.g. not under /root."
        )

    def _common_vars(
        self, layout: _ProjectLayout, port: int, health_path: str, target: SshTarget | None
    ) -> dict[str, Any]:
        # Before anything of the project's starts: its uid must find nothing else to read.
        lock_data_dir(self._data_dir)
        # Handed out here for servers too: unique across all projects, so on any one host.
        uid = service_id(self._releases_dir, layout.root.name, self._limits.uid_base)
        paths: dict[str, str] = {"releases_root": str(self._releases_dir.resolve())}
        home = layout.service_home
        if target is not None:
            paths = self._remote_paths()
            home = Path(paths["releases_root"]) / layout.root.name / "var"
        return {
            **paths,
            "project_slug": layout.root.name,
            "service_port": port,
            "health_path": health_path,
            "python_bin": self._python,
            "health_timeout": self._health_timeout_s,
            "service_env": _service_env(port, home),
            "service_uid": uid,
            "service_memory_mb": self._limits.memory_mb,
            "service_pids_max": self._limits.pids_max,
            "service_open_files": self._limits.open_files,
        }

    async def _run(
        self, playbook: str, runner_dir: Path, extravars: dict[str, Any], connection: _Connection
    ) -> _PlaybookRun:
        log.info("ansible.run", playbook=playbook, runner_dir=str(runner_dir))
        result = await run_playbook(
            runner_dir,
            playbook=self._playbooks_dir / playbook,
            inventory=connection.inventory,
            extravars=extravars,
            env=runner_env(),
        )
        return _PlaybookRun(
            succeeded=result.succeeded,
            rc=result.rc,
            stats=_custom_stats(result.events),
            failure=""
            if result.succeeded
            else failure_message(result.events, result.log_path, result.rc),
            log_path=result.log_path,
        )


def _refused(
    release_id: str, url: str, release_dir: str, previous_id: str | None, why: str
) -> ReleaseOutcome:
    log.warning("deploy.refused", release_id=release_id, reason=why)
    return ReleaseOutcome(
        status="failed",
        release_id=release_id,
        url=url,
        release_dir=release_dir,
        previous_release_id=previous_id,
        message=why,
    )


def _already_live(layout: _ProjectLayout, request: ReleaseRequest, url: str) -> ReleaseOutcome:
    earlier = [rid for rid in layout.history() if rid != request.release_id]
    # An attempt killed between activating and recording the release: finish it.
    layout.record_in_history(request.release_id)
    return ReleaseOutcome(
        status="healthy",
        release_id=request.release_id,
        url=url,
        release_dir=str(layout.release_dir(request.release_id)),
        previous_release_id=earlier[-1] if earlier else None,
        message=f"Release {request.release_id} is already live at {url}.",
    )


def _write_secrets(layout: _ProjectLayout, secret_env: Mapping[str, str], uid: int) -> None:
    write_env_file(layout.env_file, secret_env, uid=uid, reserved=_SERVICE_OWN_NAMES)


def runner_env() -> dict[str, str]:
    # ansible-runner execs `ansible-playbook` by name: without the venv's bin
    # first on PATH it is not found and the run ends with rc=127.
    venv_bin = str(Path(sys.executable).parent)
    env = child_environment()
    return {
        **env,
        "PATH": os.pathsep.join([venv_bin, env["PATH"]]),
        "ANSIBLE_NOCOLOR": "1",
        # A module runs as one piped Python process instead of a temp dir, a copy, a chmod,
        # a run and a clean-up (the larger part of a localhost deploy's time); over SSH it
        # goes through the open session instead of a copied file per task.
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        # Over SSH: one connection per host for the whole run.
        "ANSIBLE_SSH_ARGS": "-o ControlMaster=auto -o ControlPersist=30s",
    }


def _service_env(port: int, home: Path) -> list[str]:
    """The deployed service's whole environment, as NAME=value for service.sh's `env -i`.

    Its code was written by a model: it gets what any program needs and its port, nothing
    of the worker's or ansible's. HOME and TMPDIR point at the one directory it may write.
    """
    own = {"PORT": str(port), "HOME": str(home), "TMPDIR": str(home / "tmp")}
    return [f"{name}={value}" for name, value in child_environment(own).items()]


def _deploy_status(run: _PlaybookRun) -> ReleaseStatus:
    if run.succeeded:
        return "healthy"
    # deploy.yml says rolled_back only after the previous release answered 200 again.
    return "rolled_back" if run.stats.get("outcome") == "rolled_back" else "failed"


def _custom_stats(events: list[dict[str, Any]]) -> dict[str, Any]:
    for event in reversed(events):
        if event.get("event") == "playbook_on_stats":
            data = event.get("event_data", {}).get("artifact_data") or {}
            return dict(data)
    return {}


def failure_message(events: list[dict[str, Any]], log_path: Path, rc: int) -> str:
    """The last failing task's own message; deploy.yml's final `fail` explains the outcome."""
    for event in reversed(events):
        if event.get("event") not in ("runner_on_failed", "runner_on_unreachable"):
            continue
        data = event.get("event_data", {})
        if data.get("ignore_errors"):
            continue
        res = data.get("res", {})
        # A loop's own message is "All items completed": the failing item's says why.
        items = [r for r in res.get("results") or [] if r.get("failed") or r.get("unreachable")]
        res = items[0] if items else res
        # Folded YAML and multi-line stderr read better as one line in a chat message.
        msg = " ".join(str(res.get("msg") or res.get("stderr") or "no message").split())
        if str(data.get("task_action", "")).endswith("fail"):
            return msg  # the playbook's own explanation needs no task name
        return f"{data.get('task', 'a task')}: {msg}"
    # No task failed, so ansible itself did (bad playbook, missing binary): its
    # error lines are at the end of stdout.
    return f"ansible-playbook exited with rc={rc}: {_tail(log_path)} (log: {log_path})"


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "no output"
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(kept[-lines:]) or "no output"


async def _answers_200(host: str, port: int, health_path: str) -> bool:
    # trust_env=False: a proxy from the environment must not intercept a local port.
    async with httpx.AsyncClient(trust_env=False, timeout=2.0) as client:
        try:
            response = await client.get(f"http://{host}:{port}{health_path}")
        except httpx.HTTPError:
            return False
    return response.status_code == 200


def _service_pid(pid_file: Path) -> int | None:
    """The pid in the file if that process is alive and is our service (pids get reused)."""
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if not alive(pid):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return pid
    return pid if SERVICE_SCRIPT.encode() in cmdline else None


async def _stop_process_group(pid: int) -> None:
    # service.sh starts the service with setsid, so its pid is its process group.
    # The service is not our child, so there is nothing to wait() on: poll it.
    _signal_group(pid, signal.SIGTERM)
    for _ in range(int(_STOP_GRACE_S / _STOP_POLL_S)):
        if not alive(pid):
            return
        await asyncio.sleep(_STOP_POLL_S)
    _signal_group(pid, signal.SIGKILL)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return
    except PermissionError:
        os.kill(pid, sig)
