"""Warm pool: containers started ahead of time, so a command does not wait for a start.

A container's mounts are fixed when it is created, before anyone knows which work tree it
will serve. So each pool container gets an empty slot directory as /workspace, with `rslave`
propagation from a shared mount of the slots root; a claim bind-mounts the work tree onto the
slot on the host, and the mount appears inside the running container at once. Mounting needs
a root worker on the engine's host; elsewhere the pool stays off and each command starts its
own container.
"""

from __future__ import annotations

import contextlib
import queue
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from docker.errors import APIError
from docker.types import Mount

from adapters.sandbox.docker_container import (
    POOL_LABEL,
    WORKER_LABEL,
    WORKSPACE,
    ContainerSpec,
    kill,
    remove,
)
from adapters.sandbox.ownership import GIT_DIR

log = structlog.get_logger(__name__)

SLOT_LABEL = "orchestrator.slot"
_RETRY_AFTER_FAILURE_S = 5.0


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


def mounted(path: Path) -> bool:
    """Whether something is mounted at `path` (os.path.ismount misses a bind mount from the
    same filesystem, which is what a slot holds)."""
    target = str(path.absolute())
    with open("/proc/self/mountinfo") as mounts:
        for line in mounts:
            point = line.split()[4]
            if _unescape(point) == target:
                return True
    return False


def _unescape(field: str) -> str:
    # mountinfo writes space, tab, newline and backslash as octal escapes.
    for code in ("\\040", "\\011", "\\012", "\\134"):
        field = field.replace(code, chr(int(code[1:], 8)))
    return field


def _unmount(path: Path) -> None:
    # Lazy: a process that has not quite died yet must not keep the slot mounted forever.
    while mounted(path):
        done = subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)
        if done.returncode != 0:
            log.warning("sandbox_unmount_failed", path=str(path), error=done.stderr.decode())
            return


def share_root(root: Path) -> None:
    """Make `root` a shared mount, so mounts made under it propagate into the containers."""
    root.mkdir(parents=True, exist_ok=True)
    if not mounted(root):
        _mount("--bind", str(root), str(root))
    _mount("--make-rshared", str(root))


def release_slot(path: Path) -> None:
    _unmount(path / GIT_DIR)
    _unmount(path)
    with contextlib.suppress(OSError):
        path.rmdir()


@dataclass
class Slot:
    container: Any
    path: Path

    def attach(self, workspace: Path) -> None:
        """The work tree at /workspace inside, its `.git` (if any) read-only over it."""
        _mount("--bind", str(workspace), str(self.path))
        git = self.path / GIT_DIR
        if git.is_dir() and not git.is_symlink():
            _mount("--bind", str(workspace / GIT_DIR), str(git))
            _mount("-o", "remount,bind,ro", str(git))

    def release(self) -> None:
        kill(self.container)
        remove(self.container)
        release_slot(self.path)


class WarmPool:
    """Keeps `size` started, idle containers of one spec; a claimed one is never reused."""

    def __init__(
        self, client: Any, spec: ContainerSpec, *, size: int, root: Path, worker: str
    ) -> None:
        self._client = client
        self._spec = spec
        self._size = size
        self._root = root
        self._worker = worker
        self._ready: queue.SimpleQueue[Slot] = queue.SimpleQueue()
        self._wanted = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        share_root(self._root)
        self._thread = threading.Thread(target=self._fill, name="sandbox-pool", daemon=True)
        self._thread.start()

    def claim(self) -> Slot | None:
        self._wanted.set()
        try:
            return self._ready.get_nowait()
        except queue.Empty:
            return None

    def idle(self) -> int:
        return self._ready.qsize()

    def close(self) -> None:
        self._stopped.set()
        self._wanted.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        while True:
            try:
                self._ready.get_nowait().release()
            except queue.Empty:
                break
        # Another worker on this data dir may still use the root: only an empty one goes.
        if self._root.is_dir() and not any(self._root.iterdir()):
            _unmount(self._root)

    def _fill(self) -> None:
        while not self._stopped.is_set():
            if self._ready.qsize() >= self._size:
                self._wanted.wait()
                self._wanted.clear()
                continue
            try:
                slot = self._start_one()
            except (APIError, OSError, subprocess.CalledProcessError) as exc:
                log.warning("sandbox_pool_start_failed", error=str(exc))
                self._stopped.wait(_RETRY_AFTER_FAILURE_S)
                continue
            if self._stopped.is_set():
                slot.release()
                return
            self._ready.put(slot)

    def _start_one(self) -> Slot:
        key = uuid.uuid4().hex[:16]
        path = self._root / key
        path.mkdir(mode=0o755)
        started = time.monotonic()
        try:
            container = self._spec.create(
                self._client,
                mounts=[Mount(WORKSPACE, str(path), type="bind", propagation="rslave")],
                labels={WORKER_LABEL: self._worker, POOL_LABEL: "idle", SLOT_LABEL: key},
                name=f"orchestrator-pool-{key}",
            )
        except BaseException:
            release_slot(path)
            raise
        log.debug("sandbox_pool_started", container=container.id[:12], s=time.monotonic() - started)
        return Slot(container, path)
