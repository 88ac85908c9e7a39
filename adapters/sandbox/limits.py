"""What one sandboxed command may use, and the rlimit floor that holds where cgroups cannot."""

from __future__ import annotations

import signal
from collections.abc import Collection
from dataclasses import dataclass

from adapters.sandbox.base import LimitName


@dataclass(frozen=True)
class Limits:
    pids_max: int = 256
    memory_mb: int = 2048
    cpu_seconds: int = 600

    def describe(self, limit: LimitName) -> str:
        match limit:
            case "pids":
                return f"pids limit ({self.pids_max} processes) reached"
            case "memory":
                return f"memory limit ({self.memory_mb} MB) reached"
            case "cpu":
                return f"CPU time limit ({self.cpu_seconds} s per process) reached"


def prlimit_argv(limits: Limits, *, cgroup_covers: Collection[LimitName]) -> list[str]:
    """A `prlimit` prefix: CPU time always (no cgroup caps CPU *time*), the rest only as a floor.

    RLIMIT_NPROC counts every process of the real uid, in all sandboxes at once, and root
    ignores it; RLIMIT_AS also counts address space never touched. Both are only fallbacks.
    """
    # SIGXCPU at the soft limit names the cause; SIGKILL a second later if it is caught.
    args = ["prlimit", f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + 1}"]
    if "memory" not in cgroup_covers:
        args.append(f"--as={limits.memory_mb * 1024 * 1024}")
    if "pids" not in cgroup_covers:
        args.append(f"--nproc={limits.pids_max}")
    return [*args, "--"]


def limit_from_exit(exit_code: int) -> LimitName | None:
    """The limit an exit status proves: only SIGXCPU is unambiguous (a shell reports 128+n)."""
    if exit_code in (-signal.SIGXCPU, 128 + signal.SIGXCPU):
        return "cpu"
    return None
