"""Reading what processes and files hold, to prove a value never got there (Linux /proc)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses; the fields after its last ")" do not.
    return int(stat.rpartition(")")[2].split()[1])


def descendants(root: int) -> dict[int, int]:
    """Every living process below `root` (not `root` itself), mapped to its parent."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (parent := _parent(int(entry))) is not None:
            children.setdefault(parent, []).append(int(entry))
    found: dict[int, int] = {}
    todo = [(child, root) for child in children.get(root, [])]
    while todo:
        pid, parent = todo.pop()
        found[pid] = parent
        todo += [(child, pid) for child in children.get(pid, [])]
    return found


def _cmdline(pid: int) -> bytes | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None


def exec_environ(pid: int, parent: int) -> bytes | None:
    """The environment `pid` was exec'd with; None if it is gone or has not exec'd yet.

    Between fork and exec a child still shows its parent's environment, which is not what
    it will run with: such a child (same command line as its parent) is left for a later look.
    """
    before = _cmdline(pid)
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    after = _cmdline(pid)
    if before is None or before != after or before == _cmdline(parent):
        return None
    return env


def environ(pid: int) -> bytes | None:
    """The environment `pid` was started with, or None once it is gone."""
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None


def command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def files_holding(root: Path, values: Iterable[bytes]) -> list[str]:
    """Every regular file under `root` whose bytes contain one of `values`."""
    wanted = list(values)
    found: list[str] = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if not path.is_file() or path.is_symlink():
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if any(value in data for value in wanted):
                found.append(str(path))
    return found


@dataclass
class TreeWatch:
    """Samples the environment of every process below `root` until stopped.

    Git, ansible and sandbox commands live for milliseconds to seconds, so one look at the
    end would miss them; a look every few tens of milliseconds catches most of them.
    """

    root: int
    values: list[bytes]
    interval_s: float = 0.05
    seen: dict[int, str] = field(default_factory=dict)  # pid -> command name, everything read
    leaks: dict[int, str] = field(default_factory=dict)  # pid -> command name, holding a value
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def look(self) -> None:
        for pid, parent in descendants(self.root).items():
            env = exec_environ(pid, parent)
            if env is None:
                continue
            self.seen[pid] = command_name(pid)
            if any(value in env for value in self.values):
                self.leaks[pid] = self.seen[pid]

    def __enter__(self) -> TreeWatch:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.look()

    def names(self) -> Iterator[str]:
        yield from sorted(set(self.seen.values()))


@dataclass
class ProcessRecorder:
    """Keeps what every process below `root` showed (command line and environment) and what
    the files matching `globs` held, sampled until stopped: for values known only afterwards
    (tokens minted during the run)."""

    root: int
    globs: list[tuple[Path, str]] = field(default_factory=list)
    interval_s: float = 0.02
    processes: dict[tuple[int, bytes], bytes] = field(default_factory=dict)  # (pid, argv) -> env
    files: dict[str, bytes] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def look(self) -> None:
        for pid, parent in descendants(self.root).items():
            argv, env = _cmdline(pid), exec_environ(pid, parent)
            if argv is not None and env is not None:
                self.processes[(pid, argv)] = env
        for base, pattern in self.globs:
            for path in base.glob(pattern):
                try:
                    self.files[str(path)] = path.read_bytes()
                except OSError:
                    continue

    def holding(self, values: Iterable[bytes]) -> list[str]:
        wanted = list(values)
        found = [
            argv.replace(b"\0", b" ").decode(errors="replace")
            for (_, argv), env in self.processes.items()
            if any(v in argv or v in env for v in wanted)
        ]
        return found + [p for p, data in self.files.items() if any(v in data for v in wanted)]

    def commands(self) -> list[str]:
        return [argv.replace(b"\0", b" ").decode(errors="replace") for _, argv in self.processes]

    def __enter__(self) -> ProcessRecorder:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.look()
