"""Who a deployed service runs as on this host, its limits, and what it must not reach.

A release is model-written code. It runs as an unprivileged uid of its own project (service.sh
drops to it with setpriv), so file permissions alone keep it out of the data dir (databases,
forge, workspaces, secrets) and out of every other project's release tree.
"""

from __future__ import annotations

import fcntl
import os
import stat
from dataclasses import dataclass
from pathlib import Path

# The one entry of the data dir a service must pass through to reach its own release.
RELEASES_ENTRY = "releases"
_ID_FILE = "service.uid"


@dataclass(frozen=True)
class ServiceLimits:
    uid_base: int = 200_000  # far above the uids a distribution hands out
    memory_mb: int = 1024  # address space (prlimit --as): threads' stacks count too
    pids_max: int = 128  # processes and threads of the project's uid (prlimit --nproc)
    open_files: int = 1024


def service_id(releases_dir: Path, project_slug: str, base: int) -> int:
    """The project's uid (also its gid): assigned once, recorded, never shared.

    Not a hash of the slug: two projects colliding would read each other's releases. Parallel
    deploys of different projects are serialised by the lock so they cannot take the same id.
    """
    releases_dir.mkdir(parents=True, exist_ok=True)
    # The lock is taken on the directory itself: a lock file would sit among the projects.
    lock = os.open(releases_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        own = releases_dir / project_slug / _ID_FILE
        if own.is_file():
            return int(own.read_text().strip())
        taken = [int(p.read_text().strip()) for p in releases_dir.glob(f"*/{_ID_FILE}")]
        uid = max(taken, default=base - 1) + 1
        own.parent.mkdir(parents=True, exist_ok=True)
        own.write_text(f"{uid}\n")
        return uid
    finally:
        os.close(lock)  # closing the only descriptor releases the lock


def lock_data_dir(data_dir: Path) -> None:
    """Data dir search-only (0711), everything in it but releases/ private to root.

    0711 rather than 0700: a service must walk through the data dir to its release. Without
    read permission it cannot list the entries, and each entry is made go-rwx so it cannot
    open one it guesses either (orchestrator.db and temporal.db are created 0644 by SQLite).
    Run before every start, so entries added since the last deploy are covered too.
    """
    os.chmod(data_dir, 0o711)
    for entry in data_dir.iterdir():
        if entry.name == RELEASES_ENTRY or entry.is_symlink():
            continue
        mode = stat.S_IMODE(entry.stat().st_mode)
        if mode & 0o077:
            os.chmod(entry, mode & 0o700)
    releases = data_dir / RELEASES_ENTRY
    if releases.is_dir():
        # Through to a project's tree, which the playbook opens to that project's gid only.
        os.chmod(releases, 0o711)


def unreachable_parent(path: Path) -> Path | None:
    """The first directory above `path` that other users cannot search, if any.

    The service's uid needs search permission on every directory above its release (a data
    dir under /root or under pytest's 0700 temp root is out of its reach).
    """
    for parent in reversed(path.resolve().parents):
        if not parent.stat().st_mode & stat.S_IXOTH:
            return parent
    return None
