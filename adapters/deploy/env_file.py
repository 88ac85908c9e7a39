"""The deployed service's secrets on disk: one env file per project, the only clear-text copy.

Format: `NAME=value` entries each ended by a NUL byte, as in /proc/<pid>/environ. A value may
hold anything an environment variable can (spaces, quotes, `$`, backslashes, line breaks of
a PEM key) and nothing parses or evaluates it: service.sh hands the file to a few lines of
Python that split on NUL and on the first `=` and exec the service with the result.

The file is written here, by the worker, never by Ansible: values given to a playbook land in
ansible-runner's extravars file and job events. It is 0600 and owned by the project's service
uid, in a directory open to that uid only (root:<its gid> 0750), outside every release, so a
rollback to an older release starts with the same values.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from core.errors import InvalidInput

# What a shell, env(1) and the service's language all accept as a variable name.
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TEMP_PREFIX = ".service.env."


def write_env_file(
    path: Path, values: Mapping[str, str], *, uid: int, reserved: frozenset[str]
) -> None:
    """Make `path` hold exactly `values`; no values removes it, so no secrets means no file.

    `reserved` are the names the service's own environment sets (PORT, HOME, PATH, ...): a
    secret of that name is refused rather than silently losing to, or overriding, ours.
    """
    data = encode_env(values, reserved)
    directory = path.parent
    _prepare_directory(directory, uid)
    # A worker killed between writing and renaming leaves a temp file with the values.
    for stale in directory.glob(f"{_TEMP_PREFIX}*"):
        stale.unlink(missing_ok=True)
    if not data:
        path.unlink(missing_ok=True)
        return
    # mkstemp creates it 0600 as root; it changes owner before the first byte is written.
    fd, temp = tempfile.mkstemp(dir=directory, prefix=_TEMP_PREFIX)
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchown(out.fileno(), uid, uid)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        # Atomic: a service started meanwhile reads the old file or the new one, never half.
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _fsync_directory(directory)


def encode_env(values: Mapping[str, str], reserved: frozenset[str]) -> bytes:
    entries = []
    for name, value in sorted(values.items()):
        # Errors name the variable, never its value.
        if not _NAME.match(name):
            raise InvalidInput(f"'{name}' cannot be an environment variable name")
        if name in reserved:
            raise InvalidInput(
                f"secret {name} has the name of a variable the deploy sets for every service; "
                "rename the secret"
            )
        if "\0" in value:
            raise InvalidInput(f"the value of secret {name} holds a NUL byte")
        entries.append(f"{name}={value}".encode() + b"\0")
    return b"".join(entries)


def _prepare_directory(directory: Path, uid: int) -> None:
    # The service's group may enter and read its own file, not add files; others nothing.
    directory.mkdir(mode=0o750, parents=True, exist_ok=True)
    os.chown(directory, 0, uid)
    os.chmod(directory, 0o750)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
