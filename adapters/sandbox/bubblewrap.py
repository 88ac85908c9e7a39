"""The local isolated backend: bubblewrap, no network, a read-only system, one writable dir,
an unprivileged user."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from adapters.sandbox._subprocess import (
    clean_env,
    interpreter_prefix,
    require_workspace,
    run_command,
)
from adapters.sandbox.base import CommandResult, SandboxOwner
from adapters.sandbox.limits import Limits
from adapters.sandbox.ownership import GIT_DIR, lent_to
from core.errors import ServiceUnavailable

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
    # Made by bwrap as root it would be 0700: the sandbox's user could not look up a name.
    args += ["--perms", "0755", "--dir", "/etc"]
    for item in _ETC_FILES:
        if os.path.lexists(item):
            args += ["--ro-bind", item, item]
    return args


def _interpreter_mount() -> list[str]:
    # A pyenv/uv interpreter lives outside /usr; mount it at the same path so its
    # compiled-in prefix still resolves inside. bwrap would copy the modes of the host's
    # parents (/root is 0700), which the unprivileged user could not traverse.
    prefix = interpreter_prefix()
    if any(prefix.is_relative_to(top) for top in _SYSTEM_DIRS):
        return []
    parents = [str(parent) for parent in reversed(prefix.parents) if parent != Path("/")]
    dirs = [arg for parent in parents for arg in ("--perms", "0755", "--dir", parent)]
    return [*dirs, "--ro-bind", str(prefix), str(prefix)]


def _sandbox_env() -> dict[str, str]:
    # The sandbox's user reads a history owned by the worker; git would refuse it as "dubious
    # ownership". Command-line-scope config (as these variables are) may vouch for it.
    git_trust = {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "safe.directory",
        "GIT_CONFIG_VALUE_0": WORKSPACE,
    }
    return clean_env(home=WORKSPACE) | git_trust


def _git_mount(workspace: Path) -> list[str]:
    # Mounted over the writable workspace: history readable, hooks and config not writable.
    git = workspace / GIT_DIR
    if git.is_symlink() or not git.exists():
        return []
    return ["--ro-bind", str(git), f"{WORKSPACE}/{GIT_DIR}"]


class BubblewrapSandbox:
    """Runs `/bin/sh -c command` under bwrap: no network, no capabilities, never as root.

    A root worker starts bwrap as root (so it can mount paths only root may traverse) without a
    user namespace, and the command drops to `uid:gid` inside through setpriv: a user namespace
    started by root would map the command back to host root. A non-root worker gets bwrap's
    usual user namespace and the command runs as the worker's own user.
    """

    name = "bubblewrap"
    isolated = True

    def __init__(
        self,
        *,
        bwrap: str = "bwrap",
        uid: int = 65534,
        gid: int = 65534,
        limits: Limits | None = None,
    ) -> None:
        self._bwrap = bwrap
        self.uid, self.gid = uid, gid
        self.limits = limits or Limits()

    @property
    def drops_root(self) -> bool:
        return os.geteuid() == 0

    def argv(self, workspace: Path, command: str) -> list[str]:
        """The full bwrap command line for `command` with `workspace` at /workspace."""
        return [
            self._bwrap,
            *self._namespaces(),
            "--die-with-parent",
            "--new-session",  # no TIOCSTI into the orchestrator's terminal
            *_system_mounts(),
            *_interpreter_mount(),
            "--bind",
            str(workspace),
            WORKSPACE,
            *_git_mount(workspace),
            "--proc",
            "/proc",
            # Kernel settings are global: even a process that owns /proc/sys/... must not write.
            "--ro-bind",
            "/proc/sys",
            "/proc/sys",
            "--dev",
            "/dev",
            # Created by bwrap as root when the worker is root: the command's user needs +w.
            "--perms",
            "01777",
            "--tmpfs",
            "/tmp",
            # bwrap's own root is a writable tmpfs; freeze it once every mount point exists.
            "--remount-ro",
            "/",
            "--chdir",
            WORKSPACE,
            "--clearenv",
            *_setenv_args(_sandbox_env()),
            "--",
            *self._user_switch(),
            "/bin/sh",
            "-c",
            command,
        ]

    def _namespaces(self) -> list[str]:
        if not self.drops_root:
            # Includes the network (only `lo` inside) and a user namespace as the worker's user.
            return ["--unshare-all", "--cap-drop", "ALL"]
        # Kept only until setpriv has switched user; switching to a non-zero uid clears them.
        # DAC_READ_SEARCH lets bwrap chdir into the workspace lent to the sandbox's user.
        kept = ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_DAC_READ_SEARCH")
        caps = [arg for cap in kept for arg in ("--cap-add", cap)]
        unshare = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
        return [*unshare, "--unshare-cgroup-try", "--cap-drop", "ALL", *caps]

    def _user_switch(self) -> list[str]:
        if not self.drops_root:
            return []
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            raise ServiceUnavailable(
                "the worker runs as root and `setpriv` (util-linux) is missing: the sandbox "
                "cannot drop to SANDBOX_UID; install util-linux or run the worker unprivileged"
            )
        return [
            setpriv,
            f"--reuid={self.uid}",
            f"--regid={self.gid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",  # no setuid binary or file capability leads back up
            "--",
        ]

    async def run(
        self,
        workspace: Path,
        command: str,
        *,
        timeout_s: float = 300.0,
        owner: SandboxOwner | None = None,  # nothing outlives the command here to label
    ) -> CommandResult:
        cwd = require_workspace(workspace)
        argv = self.argv(cwd, command)
        with self._lent(cwd):
            return await run_command(
                argv,
                cwd=cwd,
                env=clean_env(home=str(cwd)),
                timeout_s=timeout_s,
                limits=self.limits,
            )

    def _lent(self, workspace: Path) -> AbstractContextManager[None]:
        if not self.drops_root:
            return nullcontext()
        return lent_to(workspace, uid=self.uid, gid=self.gid)

    def probe(self, *, timeout_s: float = 10.0) -> bool:
        """Whether bwrap can actually start a sandbox here (it can be installed yet forbidden,
        e.g. inside a container without user namespaces)."""
        if shutil.which(self._bwrap) is None:
            return False
        with tempfile.TemporaryDirectory(prefix="bwrap-probe-") as workspace:
            try:
                with self._lent(Path(workspace)):
                    done = subprocess.run(
                        self.argv(Path(workspace), "python3 -c pass"),
                        # bwrap itself, not only the command it clears the environment for.
                        env=clean_env(home=workspace),
                        capture_output=True,
                        timeout=timeout_s,
                        check=False,
                    )
            except (OSError, subprocess.TimeoutExpired, ServiceUnavailable):
                return False
        return done.returncode == 0


def _setenv_args(env: dict[str, str]) -> list[str]:
    args: list[str] = []
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args
