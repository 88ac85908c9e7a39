"""Remove sandbox containers no live command needs: those of a dead worker, or past deadline.

Decided from labels alone, with no call to Temporal: a container names the worker that owns it
(`pid-starttime@host`, the worker's Temporal identity), and a command's container carries its
deadline (start + command timeout + grace). A worker on this host that no longer runs, or
runs under a reused pid (another start time), owns nothing any more: a `kill -9` leaves
containers only until the next sweep (at every worker start, then every
SANDBOX_DOCKER_SWEEP_EVERY_S). A worker on another host sharing the engine is left to its
own sweeper, and any command container to its deadline.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog
from docker.errors import APIError, NotFound

from adapters.sandbox.docker_container import DEADLINE_LABEL, SANDBOX_LABEL, WORKER_LABEL, remove
from adapters.sandbox.docker_pool import SLOT_LABEL, release_slot
from core.pid_files import process_start_time

log = structlog.get_logger(__name__)

# A slot directory younger than this may belong to a container being created right now.
_SLOT_GRACE_S = 60.0


def worker_gone(identity: str, *, host: str | None = None) -> bool:
    """Whether the worker `pid-starttime@host` is known dead (only this host's can be)."""
    process, _, where = identity.partition("@")
    pid, _, started = process.partition("-")
    if where != (host or socket.gethostname()) or not pid.isdigit():
        return False
    return process_start_time(int(pid)) != started


def orphaned(labels: dict[str, str], *, now: float, is_gone: Callable[[str], bool]) -> bool:
    deadline = labels.get(DEADLINE_LABEL, "")
    with contextlib.suppress(ValueError):
        if deadline and float(deadline) < now:
            return True
    worker = labels.get(WORKER_LABEL, "")
    return not worker or is_gone(worker)


def sweep(
    client: Any, *, slots_root: Path | None = None, is_gone: Callable[[str], bool] = worker_gone
) -> list[str]:
    """Remove orphaned sandbox containers (and their slot mounts); the names removed."""
    now = time.time()
    removed: list[str] = []
    kept_slots: set[str] = set()
    for container in client.containers.list(all=True, filters={"label": SANDBOX_LABEL}):
        if not orphaned(container.labels, now=now, is_gone=is_gone):
            kept_slots.add(container.labels.get(SLOT_LABEL, ""))
            continue
        try:
            remove(container)
        except (APIError, NotFound) as exc:
            log.warning("sandbox_sweep_failed", container=container.name, error=str(exc))
            continue
        removed.append(container.name)
        if slots_root is not None and (slot := container.labels.get(SLOT_LABEL)):
            release_slot(slots_root / slot)
    if slots_root is not None and slots_root.is_dir():
        for slot in slots_root.iterdir():
            if slot.name not in kept_slots and now - slot.stat().st_mtime > _SLOT_GRACE_S:
                release_slot(slot)
    if removed:
        log.warning("sandbox_containers_swept", containers=removed)
    return removed
