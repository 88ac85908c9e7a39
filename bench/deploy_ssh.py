"""Seconds from "deploy" to "live and healthy" for releases over SSH, 1 and N projects at once.

    .venv/bin/python -m bench.deploy_ssh [--projects 1 5]

Starts a throwaway sshd on a loopback port (as root; `apt-get install openssh-server`), a key
pair, a bare repository with a tiny service, and deploys one release per project with the
real AnsibleDeployer over SSH; prints the median and slowest wall time per batch, then stops
every service. bench/deploy.py measures the same on localhost.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from adapters.deploy.ansible import AnsibleDeployer, find_playbooks_dir
from adapters.deploy.base import ReleaseRequest
from adapters.deploy.target import SshTarget

SERVICE = """\
import argparse
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
HTTPServer(("127.0.0.1", parser.parse_args().port), Handler).serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(*argv: str, cwd: Path | None = None) -> str:
    done = subprocess.run(argv, cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout


def _repository(root: Path) -> tuple[Path, str]:
    bare, work = root / "origin.git", root / "work"
    _run("git", "init", "-q", "--bare", "--initial-branch=main", str(bare))
    _run("git", "init", "-q", "--initial-branch=main", str(work))
    (work / "server.py").write_text(SERVICE)
    ident = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    _run("git", *ident, "add", "server.py", cwd=work)
    _run("git", *ident, "commit", "-q", "-m", "service", cwd=work)
    _run("git", "push", "-q", str(bare), "main", cwd=work)
    return bare, _run("git", "rev-parse", "HEAD", cwd=work).strip()


def _start_sshd(root: Path) -> tuple[subprocess.Popen[bytes], int, str]:
    for name in ("host_key", "client_key"):
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / name))
    Path("/run/sshd").mkdir(exist_ok=True)
    port = _free_port()
    proc = subprocess.Popen(
        ["/usr/sbin/sshd", "-D", "-p", str(port), "-h", str(root / "host_key"), "-f", "/dev/null"]
        + ["-o", "ListenAddress=127.0.0.1", "-o", f"AuthorizedKeysFile={root / 'client_key.pub'}"]
        + ["-o", "StrictModes=no", "-o", "UsePAM=no", "-o", f"PidFile={root / 'sshd.pid'}"]
        + ["-o", "MaxStartups=50", "-o", "MaxSessions=50"],
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    return proc, port, (root / "client_key").read_text()


async def _batch(
    deployer: AnsibleDeployer, target: SshTarget, repo: Path, commit: str, n: int
) -> list[float]:
    async def one(i: int) -> float:
        start = time.monotonic()
        outcome = await deployer.deploy(
            ReleaseRequest(
                project_slug=f"bench-{n}-{i}",
                release_id="r1",
                repo_url=str(repo),
                commit=commit,
                port=_free_port(),
                target=target,
            )
        )
        if outcome.status != "healthy":
            raise SystemExit(f"bench-{n}-{i}: {outcome.message}")
        return time.monotonic() - start

    try:
        return list(await asyncio.gather(*(one(i) for i in range(n))))
    finally:
        for i in range(n):
            await deployer.stop(project_slug=f"bench-{n}-{i}", target=target)


async def main(batches: list[int], root: Path, ssh_port: int, key: str) -> None:
    repo, commit = _repository(root)
    target = SshTarget("bench", "127.0.0.1", ssh_port, private_key=key)
    deployer = AnsibleDeployer(
        releases_dir=root / "data" / "releases",
        playbooks_dir=find_playbooks_dir(),
        remote_root=str(root / "srv"),
        runtime_dir=root / "run",
    )
    table = Table("projects at once", "median s", "slowest s", title="deploy → healthy over SSH")
    for n in batches:
        seconds = await _batch(deployer, target, repo, commit, n)
        table.add_row(str(n), f"{statistics.median(seconds):.1f}", f"{max(seconds):.1f}")
    Console().print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, nargs="+", default=[1, 5])
    workdir = Path(tempfile.mkdtemp(prefix="bench-ssh-"))
    workdir.chmod(0o711)  # services pass through to their releases under it
    (workdir / "data").mkdir()
    sshd, port, private_key = _start_sshd(workdir)
    try:
        asyncio.run(main(parser.parse_args().projects, workdir, port, private_key))
    finally:
        sshd.terminate()
