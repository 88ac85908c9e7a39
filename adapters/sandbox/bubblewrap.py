"""The local isolated backend: bubblewrap, no network, a read-only system, one writable dir."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from adapters.sandbox._subprocess import (
    clean_env,
    interpreter_prefix,
    require_workspace,
    run_command,
)
from adapters.sandbox.base import CommandResult

WORKSPACE = "/workspace"
# On merged-/usr systems these are symlinks into /usr; elsewhere they are real directories.
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Just enough of /etc for dynamic linking, `/usr/bin/awk -> /etc/alternatives/awk` and user
# names; nothing that holds credentials (no shadow, no ssl keys, no orchestrator config).
_ETC_FILES = (
    "/etc/alternatives",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/passwd",
    "/etc/group",
    "/etc/localtime",
)


def _system_mounts() -> list[str]:
    args: list[str] = []
    for top in _SYSTEM_DIRS:
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    for item in _ETC_FILES:
        if os.path.lexists(item):
            args += ["--ro-bind", item, item]
    return args


def _interpreter_mount() -> list[str]:
    # A pyenv/uv interpreter lives outside /usr; mount it at the same path so its
    # compiled-in prefix still resolves inside.
    prefix = interpreter_prefix()
    if any(prefix.is_relative_to(top) for top in _SYSTEM_DIRS):
        return []
    return ["--ro-bind", str(prefix), str(prefix)]


class BubblewrapSandbox:
    """Runs `/bin/sh -c command` under bwrap: all namespaces unshared, no capabilities."""

    name = "bubblewrap"
    isolated = True

    def __init__(self, *, bwrap: str = "bwrap") -> None:
        self._bwrap = bwrap

    def argv(self, workspace: Path, command: str) -> list[str]:
        """The full bwrap command line for `command` with `workspace` at /workspace."""
        return [
            self._bwrap,
            "--unshare-all",  # includes the network: only `lo` exists inside
            "--die-with-parent",
            "--new-session",  # no TIOCSTI into the orchestrator's terminal
            "--cap-drop",
            "ALL",
            *_system_mounts(),
            *_interpreter_mount(),
            "--bind",
            str(workspace),
            WORKSPACE,
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--tmpfs",
            "/tmp",
            # bwrap's own root is a writable tmpfs; freeze it once every mount point exists.
            "--remount-ro",
            "/",
            "--chdir",
            WORKSPACE,
            "--clearenv",
            *_setenv_args(clean_env(home=WORKSPACE)),
            "--",
            "/bin/sh",
            "-c",
            command,
        ]

    async def run(
        self, workspace: Path, command: str, *, timeout_s: float = 300.0
    ) -> CommandResult:
        cwd = require_workspace(workspace)
        return await run_command(
            self.argv(cwd, command), cwd=cwd, env=clean_env(home=str(cwd)), timeout_s=timeout_s
        )

    def probe(self, *, timeout_s: float = 10.0) -> bool:
        """Whether bwrap can actually start a sandbox here (it can be installed yet forbidden,
        e.g. inside a container without user namespaces)."""
        if shutil.which(self._bwrap) is None:
            return False
        with tempfile.TemporaryDirectory(prefix="bwrap-probe-") as workspace:
            try:
                done = subprocess.run(
                    self.argv(Path(workspace), "python3 -c pass"),
                    # bwrap itself, not only the command it clears the environment for.
                    env=clean_env(home=workspace),
                    capture_output=True,
                    timeout=timeout_s,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired):
                return False
        return done.returncode == 0


def _setenv_args(env: dict[str, str]) -> list[str]:
    args: list[str] = []
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args
