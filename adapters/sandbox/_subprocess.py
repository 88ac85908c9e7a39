"""Run one command in its own process group and cgroup, with a deadline, limits, a clean env
and bounded output.

Shared by the process and bubblewrap backends, which differ only in the argv they launch.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from adapters.sandbox.base import CommandResult
from adapters.sandbox.confine import Confinement, confined
from adapters.sandbox.limits import Limits
from core.errors import InvalidInput

# A coding agent reads the tail of a failing run; megabytes of test logs would only bloat history.
OUTPUT_LIMIT_BYTES = 64 * 1024
_SYSTEM_PATH = ("/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/sbin")
# After a kill, a grandchild that escaped the group may still hold the pipes open.
_DRAIN_GRACE_S = 1.0
_CHUNK_BYTES = 16 * 1024


def interpreter_prefix() -> Path:
    """The real interpreter install (not the venv), so `python3` has the standard library only."""
    return Path(sys.base_prefix)


def clean_env(*, home: str) -> dict[str, str]:
    """The entire environment of a sandboxed command: nothing is inherited from the orchestrator.

    Stricter than core.child_env.child_environment on purpose: even our PATH (with the venv),
    HOME and TMPDIR name host paths that mean nothing inside the sandbox, or too much.
    """
    return {
        "PATH": os.pathsep.join([str(interpreter_prefix() / "bin"), *_SYSTEM_PATH]),
        "HOME": home,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


class OutputTail:
    """Keeps the last `limit` bytes of a stream and counts what it dropped."""

    def __init__(self, limit: int = OUTPUT_LIMIT_BYTES) -> None:
        self._limit = limit
        self._data = bytearray()
        self.dropped = 0

    def feed(self, chunk: bytes) -> None:
        self._data += chunk
        excess = len(self._data) - self._limit
        if excess > 0:
            del self._data[:excess]
            self.dropped += excess

    async def drain(self, stream: asyncio.StreamReader | None) -> None:
        if stream is None:
            return
        while chunk := await stream.read(_CHUNK_BYTES):
            self.feed(chunk)

    def text(self) -> str:
        text = self._data.decode("utf-8", errors="replace")
        if self.dropped:
            return f"[... {self.dropped} earlier bytes dropped ...]\n{text}"
        return text


def _kill_group(pid: int) -> None:
    # The group outlives its leader while children remain; ESRCH just means nothing is left.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def run_command(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout_s: float,
    limits: Limits | None = None,
) -> CommandResult:
    """Run `argv` in a new session under `limits`; on timeout, a limit hit or cancellation
    kill its whole process group and cgroup."""
    started = time.monotonic()
    limits = limits or Limits()
    async with confined(limits) as box:
        proc = await asyncio.create_subprocess_exec(
            *box.argv(list(argv)),
            cwd=cwd,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        stdout, stderr = OutputTail(), OutputTail()
        finished = asyncio.ensure_future(
            asyncio.gather(stdout.drain(proc.stdout), stderr.drain(proc.stderr), proc.wait())
        )
        watch = asyncio.ensure_future(box.breach())
        timed_out = False
        try:
            async with asyncio.timeout(timeout_s):
                racers: list[asyncio.Future[Any]] = [finished, watch]
                await asyncio.wait(racers, return_when=asyncio.FIRST_COMPLETED)
        except TimeoutError:
            timed_out = True
        finally:
            watch.cancel()
            await _end(proc, box, finished)
        exit_code = proc.returncode if proc.returncode is not None else -1
        limit = box.limit_hit(exit_code)
    if limit is not None:
        stderr.feed(f"\n[sandbox: {limits.describe(limit)}]\n".encode())
    return CommandResult(
        exit_code=exit_code,
        stdout=stdout.text(),
        stderr=stderr.text(),
        duration_s=time.monotonic() - started,
        timed_out=timed_out,
        limit=limit,
    )


async def _end(
    proc: asyncio.subprocess.Process, box: Confinement, finished: asyncio.Future[Any]
) -> None:
    # Also on success: background jobs the command left behind must not outlive it.
    _kill_group(proc.pid)
    await box.kill()
    await proc.wait()
    # Keep what the command printed before it hung or hit a limit: that explains it.
    await asyncio.wait({finished}, timeout=_DRAIN_GRACE_S)
    finished.cancel()
    finished.add_done_callback(_forget)


def _forget(future: asyncio.Future[Any]) -> None:
    # A cancelled gather keeps a CancelledError that asyncio would report as never retrieved.
    if not future.cancelled():
        future.exception()


def require_workspace(workspace: Path) -> Path:
    """An absolute path to an existing workspace directory, or a clear error."""
    path = workspace.expanduser().resolve()
    if not path.is_dir():
        raise InvalidInput(f"sandbox workspace {path} is not a directory")
    return path
