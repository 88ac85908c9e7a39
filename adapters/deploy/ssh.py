"""What one Ansible run over SSH needs on this side: a private directory, the key, the inventory.

The key exists on disk only inside `private_run_dir`: a fresh 0700 directory in a root-only
runtime dir outside the data dir, removed when the run ends, fails or is cancelled. Ansible is
given the key's path in the inventory, never the key: not in extravars, not in ansible-runner's
env/ files (its `env/ssh_key` would be written into the private data dir), not in an argv.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adapters.deploy.target import INVENTORY_HOST, SshTarget

_PRIVATE = 0o700
# Interpreter on the server: the system one (the worker's venv does not exist there).
REMOTE_PYTHON = "/usr/bin/python3"


@contextmanager
def private_run_dir(runtime_dir: Path) -> Iterator[Path]:
    """A directory only root can enter, gone afterwards whatever happened in between."""
    runtime_dir.mkdir(mode=_PRIVATE, parents=True, exist_ok=True)
    os.chmod(runtime_dir, _PRIVATE)
    directory = Path(tempfile.mkdtemp(dir=runtime_dir, prefix="run-"))  # 0700 by mkdtemp
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def write_private(directory: Path, name: str, data: bytes) -> Path:
    """A new 0600 file; created with that mode, so no moment exists where others may read it."""
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return path


def write_key(directory: Path, target: SshTarget) -> Path:
    key = target.private_key
    # OpenSSH refuses a key file without its final line break ("invalid format").
    return write_private(directory, "id", (key if key.endswith("\n") else key + "\n").encode())


def ssh_inventory(target: SshTarget, *, key_file: Path, known_hosts: Path) -> str:
    """The inventory line for `target`: the key by path, host keys trusted on first use."""
    known_hosts.parent.mkdir(mode=_PRIVATE, parents=True, exist_ok=True)
    options = " ".join(
        [
            "-o IdentitiesOnly=yes",
            "-o BatchMode=yes",
            "-o ConnectTimeout=10",
            # The first connection records the host key; a changed key is refused afterwards.
            "-o StrictHostKeyChecking=accept-new",
            f"-o UserKnownHostsFile={known_hosts}",
        ]
    )
    fields = {
        "ansible_host": target.host,
        "ansible_port": str(target.port),
        "ansible_user": target.user,
        "ansible_connection": "ssh",
        "ansible_ssh_private_key_file": str(key_file),
        "ansible_ssh_common_args": options,
        "ansible_python_interpreter": REMOTE_PYTHON,
    }
    return " ".join([INVENTORY_HOST, *(f"{k}={shlex.quote(v)}" for k, v in fields.items())])


def local_inventory() -> str:
    # The worker's own interpreter is known to exist; ansible's guess may not.
    return f"{INVENTORY_HOST} ansible_connection=local ansible_python_interpreter={sys.executable}"
