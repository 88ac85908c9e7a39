"""Drive a whole embedded stack (`orchestrator up`) from outside, as an operator would.

Shared by bench/chaos.py and the crash tests: start it in its own process group, talk to
it over its API, kill the whole group with SIGKILL, start it again on the same data dir,
and clean up every deployed service afterwards.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from core.pid_files import command_line
from core.vocabulary import FINAL_STATUSES

ORCHESTRATOR = str(Path(sys.executable).parent / "orchestrator")
TERMINAL: tuple[str, ...] = FINAL_STATUSES


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def free_port_block(size: int = 3) -> int:
    """A start port whose next `size` ports are free now (deploys bind them later)."""
    for _ in range(50):
        start = free_port()
        if start + size > 65000:
            continue
        try:
            for port in range(start, start + size):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return start
        except OSError:
            continue
    raise RuntimeError("no free port block")


def pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


@dataclass
class EmbeddedStack:
    home: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        deploy_ports = free_port_block(3)
        inherited = {k: v for k, v in os.environ.items() if k != "TEMPORAL_ADDRESS"}
        self.env = {
            **inherited,
            "ORCHESTRATOR_HOME": str(self.home),
            "TEMPORAL_EMBEDDED_PORT": str(free_port()),
            "TEMPORAL_UI_PORT": str(free_port()),
            "API_PORT": str(free_port()),
            "DEPLOY_PORT_RANGE_START": str(deploy_ports),
            "DEPLOY_PORT_RANGE_END": str(deploy_ports + 2),
            **self.extra_env,
        }
        self.api = f"http://127.0.0.1:{self.env['API_PORT']}"
        self.log = self.home / "up.log"

    # ---- the stack's life ----------------------------------------------------------------

    def start(self) -> None:
        with self.log.open("ab") as out:
            # Its own process group, so a kill can take the whole stack at once.
            self.process = subprocess.Popen(
                [ORCHESTRATOR, "up"],
                env=self.env,
                stdout=out,
                stderr=out,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_healthy(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"orchestrator up exited early; log:\n{self._log_tail()}")
            try:
                if httpx.get(f"{self.api}/health", timeout=1).json().get("status") == "ok":
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the stack never became healthy; log:\n{self._log_tail()}")

    def kill_all(self) -> int | None:
        """SIGKILL the stack's whole process group; the embedded server's pid if it lives on."""
        assert self.process is not None
        server = self.temporal_pid()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        if server is None:
            return None
        for _ in range(40):  # the parent-death signal is delivered at once; allow a moment
            if not pid_alive(server):
                return None
            time.sleep(0.05)
        return server

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def stop_services(self) -> None:
        """Deployed services outlive the stack on purpose; a bench must not leave them."""
        for pid_file in self.home.glob("releases/*/run/service.pid"):
            try:
                pid = int(pid_file.read_text().strip())
            except (ValueError, OSError):
                continue
            if any("server.py" in part for part in command_line(pid)):  # still the service
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGTERM)

    def temporal_pid(self) -> int | None:
        try:
            return int((self.home / "temporal.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    # ---- talking to it -----------------------------------------------------------------

    def submit(self, idea: str) -> str:
        response = httpx.post(f"{self.api}/projects", json={"idea": idea}, timeout=30)
        response.raise_for_status()
        return str(response.json()["id"])

    def project(self, project_id: str) -> dict[str, Any]:
        response = httpx.get(f"{self.api}/projects/{project_id}", timeout=30)
        response.raise_for_status()
        return dict(response.json())

    def events(self, project_id: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.api}/projects/{project_id}/events", timeout=30)
        response.raise_for_status()
        return list(response.json())

    def wait_until(self, project_id: str, statuses: tuple[str, ...], timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        status = "?"
        while time.monotonic() < deadline:
            try:
                status = str(self.project(project_id)["status"])
            except httpx.HTTPError:
                status = "unreachable"
            if status in statuses:
                return status
            time.sleep(0.2)
        return status

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def event_time(event: dict[str, Any]) -> float:
    """An event's creation time as a Unix timestamp (stored in UTC)."""
    created = datetime.fromisoformat(str(event["created_at"]))
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created.timestamp()
