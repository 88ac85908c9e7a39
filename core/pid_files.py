"""Pid files that name a process only while it is still the one we started.

A pid file outlives a crash; its pid may since have been given to an unrelated process.
So the file records the process's start time too, and a reader also checks the command
line: a pid is ours only if all three agree. Nothing is ever signalled on the pid alone.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def process_start_time(pid: int) -> str | None:
    """Clock ticks since boot at which `pid` started (field 22 of /proc/<pid>/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = stat.rpartition(")")[2].split()
    if len(fields) < 20 or fields[0] == "Z":  # a zombie is already gone for our purposes
        return None
    return fields[19]


def command_line(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


@dataclass(frozen=True)
class PidFile:
    path: Path

    def record(self, pid: int) -> None:
        started = process_start_time(pid) or "?"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(f"{pid} {started}\n")
        tmp.replace(self.path)  # never a half-written file after a crash

    def recorded(self) -> tuple[int, str] | None:
        """The pid and start time in the file, alive or not: after a crash, who died."""
        try:
            pid_text, started = self.path.read_text().split()
            return int(pid_text), started
        except (OSError, ValueError):
            return None

    def owner(self, is_ours: Callable[[list[str]], bool]) -> int | None:
        """The recorded pid if it still runs, started when recorded, and `is_ours` accepts
        its command line; else None (and a stale file is removed)."""
        try:
            pid_text, started = self.path.read_text().split()
            pid = int(pid_text)
        except (OSError, ValueError):
            return None
        if process_start_time(pid) == started and is_ours(command_line(pid)):
            return pid
        self.clear()
        return None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def release(self, pid: int) -> None:
        """Remove the file if it names `pid`; a record of someone else (a crash) stays."""
        if (recorded := self.recorded()) is not None and recorded[0] == pid:
            self.clear()


def worker_identity(pid: int, started: str | None = None) -> str:
    """A worker's identity in Temporal: unique per process, even when a pid comes back.

    Temporal's default (`pid@host`) repeats when a restarted container gives the new stack
    the old pid; crash recovery must never mistake the living worker for the dead one.
    """
    return f"{pid}-{started or process_start_time(pid) or '?'}@{socket.gethostname()}"


def alive(pid: int) -> bool:
    return process_start_time(pid) is not None and _exists(pid)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
