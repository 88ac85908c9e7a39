"""A real OpenSSH server on a loopback port, as root, for deploys to "servers" (PLATFORM.md).

One per test session, with a host key and a client key pair of its own. The client's private
key is handed to tests as text, the way the secret store holds it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SSHD = Path("/usr/sbin/sshd")


@dataclass(frozen=True)
class Sshd:
    port: int
    private_key: str = field(repr=False)
    host: str = "127.0.0.1"
    user: str = "root"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _keygen(path: Path, kind: str = "ed25519") -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", "orchestrator-tests", "-f", str(path)],
        check=True,
    )


def _wait_listening(port: int, proc: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"sshd did not listen on {port}")


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    # Required, never skipped: CI installs openssh-server (.ci/run), as apt-get does here.
    assert SSHD.exists() and shutil.which("ssh"), "apt-get install -y openssh-server"
    root = tmp_path_factory.mktemp("sshd")
    _keygen(root / "host_key")
    _keygen(root / "client_key")
    Path("/run/sshd").mkdir(exist_ok=True)  # its privilege-separation directory
    port = _free_port()
    proc = subprocess.Popen(
        [
            str(SSHD),
            "-D",
            "-e",
            "-p",
            str(port),
            "-h",
            str(root / "host_key"),
            "-f",
            "/dev/null",  # the machine's sshd_config must not change what the tests see
            "-o",
            "ListenAddress=127.0.0.1",
            "-o",
            f"AuthorizedKeysFile={root / 'client_key.pub'}",
            "-o",
            "StrictModes=no",
            "-o",
            "PermitRootLogin=prohibit-password",
            "-o",
            "PasswordAuthentication=no",
            "-o",
            "UsePAM=no",
            "-o",
            "Subsystem=sftp internal-sftp",
            "-o",
            f"PidFile={root / 'sshd.pid'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(root / "sshd.log").open("wb"),
    )
    try:
        _wait_listening(port, proc)
        yield Sshd(port=port, private_key=(root / "client_key").read_text())
    finally:
        proc.terminate()
        proc.wait(timeout=10)
