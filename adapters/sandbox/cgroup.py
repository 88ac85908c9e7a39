"""One throwaway cgroup per sandboxed command: caps on processes and memory, the kernel's own
record of which cap was hit, and a kill that reaches every descendant however it daemonised.

cgroup v2 when the unified hierarchy offers both controllers, else the v1 `pids` and `memory`
hierarchies; each is created under the worker's own cgroup so the worker's limits still apply.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from pathlib import Path

import structlog

from adapters.sandbox.base import LimitName
from adapters.sandbox.limits import Limits

log = structlog.get_logger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")
NAME_PREFIX = "orchestrator-sandbox-"


def own_prefix(pid: int | None = None) -> str:
    """The names of the cgroups one process makes carry its pid: what is whose stays
    answerable (a worker's own leftovers; several workers or test runs on one machine)."""
    return f"{NAME_PREFIX}{pid or os.getpid()}-"


_CONTROLLERS: tuple[LimitName, ...] = ("pids", "memory")
# Processes killed a moment ago leave their cgroup only once the kernel has finished them.
_REMOVE_PATIENCE_S = 2.0


class CommandCgroup:
    """The directories (one per v1 controller, or one v2 group) that hold one command."""

    def __init__(self, dirs: dict[LimitName, Path], *, v2: bool) -> None:
        self._dirs = dirs
        self._v2 = v2

    @property
    def covers(self) -> frozenset[LimitName]:
        return frozenset(self._dirs)

    @property
    def procs_files(self) -> list[Path]:
        return [d / "cgroup.procs" for d in dict.fromkeys(self._dirs.values())]

    def join_argv(self) -> list[str]:
        """A shell prefix that moves itself into the group, then execs the command.

        The move happens before the exec, so nothing the command starts is ever outside.
        """
        files = self.procs_files
        moves = " && ".join(f'echo $$ > "${i}"' for i in range(1, len(files) + 1))
        script = (
            f"{{ {moves}; }} || {{ echo 'sandbox: cannot join its cgroup' >&2; exit 125; }}; "
            f'shift {len(files)}; exec "$@"'
        )
        return ["/bin/sh", "-c", script, "cgroup-join", *map(str, files)]

    def breached(self) -> LimitName | None:
        # A fork refused at pids.max, a process the OOM killer ended: both are counted.
        if "pids" in self._dirs and _counter(self._dirs["pids"] / "pids.events", "max") > 0:
            return "pids"
        if "memory" in self._dirs:
            events = "memory.events" if self._v2 else "memory.oom_control"
            if _counter(self._dirs["memory"] / events, "oom_kill") > 0:
                return "memory"
        return None

    def kill(self) -> None:
        """SIGKILL everything inside, repeatedly: a fork bomb adds members while we kill."""
        for procs in self.procs_files:
            kill_file = procs.with_name("cgroup.kill")
            if kill_file.exists():
                with contextlib.suppress(OSError):
                    kill_file.write_text("1")
            deadline = time.monotonic() + _REMOVE_PATIENCE_S
            while (pids := _members(procs)) and time.monotonic() < deadline:
                for pid in pids:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                time.sleep(0.01)

    def remove(self) -> None:
        self.kill()
        for directory in dict.fromkeys(self._dirs.values()):
            _rmdir_patiently(directory)


def create_cgroup(limits: Limits) -> CommandCgroup | None:
    """A fresh cgroup capped at `limits`, or None where this process may not make one."""
    name = f"{own_prefix()}{uuid.uuid4().hex[:16]}"
    own = _own_cgroups()
    unified = _unified_mount()
    if unified is not None and "" in own:
        group = _make_v2(unified / own[""].lstrip("/") / name, limits)
        if group is not None:
            return group
    dirs: dict[LimitName, Path] = {}
    for controller in _CONTROLLERS:
        if controller not in own:
            continue
        path = CGROUP_ROOT / controller / own[controller].lstrip("/") / name
        try:
            path.mkdir()
            _write_v1_limit(path, controller, limits)
        except OSError as exc:
            log.info("sandbox_cgroup_unavailable", controller=controller, error=str(exc))
            with contextlib.suppress(OSError):
                path.rmdir()
            continue
        dirs[controller] = path
    return CommandCgroup(dirs, v2=False) if dirs else None


def _make_v2(path: Path, limits: Limits) -> CommandCgroup | None:
    try:
        enabled = (path.parent / "cgroup.subtree_control").read_text().split()
    except OSError:
        return None
    if not set(_CONTROLLERS) <= set(enabled):
        return None
    try:
        path.mkdir()
        (path / "pids.max").write_text(str(limits.pids_max))
        (path / "memory.max").write_text(str(limits.memory_mb * 1024 * 1024))
        (path / "memory.swap.max").write_text("0")
    except OSError as exc:
        log.info("sandbox_cgroup_v2_unavailable", error=str(exc))
        with contextlib.suppress(OSError):
            path.rmdir()
        return None
    return CommandCgroup(dict.fromkeys(_CONTROLLERS, path), v2=True)


def _write_v1_limit(path: Path, controller: LimitName, limits: Limits) -> None:
    if controller == "pids":
        (path / "pids.max").write_text(str(limits.pids_max))
        return
    size = str(limits.memory_mb * 1024 * 1024)
    (path / "memory.limit_in_bytes").write_text(size)
    memsw = path / "memory.memsw.limit_in_bytes"
    if memsw.exists():  # only with swap accounting; otherwise swap would not bypass the cap
        memsw.write_text(size)


def _own_cgroups() -> dict[str, str]:
    """Controller name ("" for v2) → this process's cgroup path, from /proc/self/cgroup."""
    own: dict[str, str] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            own[controller] = path
    return own


def _unified_mount() -> Path | None:
    for candidate in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
        if (candidate / "cgroup.controllers").exists():
            return candidate
    return None


def _counter(path: Path, key: str) -> int:
    with contextlib.suppress(OSError):
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    return 0


def _members(procs: Path) -> list[int]:
    try:
        return [int(pid) for pid in procs.read_text().split()]
    except OSError:
        return []


def _rmdir_patiently(directory: Path) -> None:
    deadline = time.monotonic() + _REMOVE_PATIENCE_S
    while True:
        try:
            directory.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError as exc:
            if time.monotonic() > deadline:
                log.warning("sandbox_cgroup_left_behind", cgroup=str(directory), error=str(exc))
                return
            time.sleep(0.02)


def process_breach(pid: int) -> LimitName | None:
    """The cap the cgroups of `pid` (a container's first process) record as hit, if any.

    Read from the host's cgroup tree, so only for an engine on this host; elsewhere None.
    """
    try:
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        names = controllers.split(",") if controllers else [""]
        if "pids" in names or "" in names:
            base = CGROUP_ROOT / ("pids" if "pids" in names else "") / path.lstrip("/")
            if _counter(base / "pids.events", "max") > 0:
                return "pids"
        if "memory" in names or "" in names:
            base = CGROUP_ROOT / ("memory" if "memory" in names else "") / path.lstrip("/")
            if _counter(base / "memory.oom_control", "oom_kill") > 0:
                return "memory"
            if _counter(base / "memory.events", "oom_kill") > 0:
                return "memory"
    return None
