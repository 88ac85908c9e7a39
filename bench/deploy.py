"""Seconds from "deploy" to "live and healthy" on localhost, for 1, 5 and 20 projects at once.

    .venv/bin/python -m bench.deploy [--counts 1,5,20] [--rounds 2] [--playbooks DIR]

`--playbooks` runs another copy of infra/ansible (e.g. an older commit's, from
`git archive <commit> infra/ansible | tar -x -C /tmp/old`) for a before/after comparison.

Real ansible-runner and the real playbooks, through the deploy adapter the worker uses: each
project's release is the service template (agents/templates/python_http_service) committed
to a local bare repository. Round 1 is every project's first release; later rounds deploy a
new release over a running one (stop the old, start, check, switch). Every service is stopped
at the end.

"CPU s" is the processor time the Ansible runs of a round used, per release (ansible-runner,
ansible-playbook and every module process; the services themselves are not waited for, so
not counted): unlike wall time it hardly moves when other work shares the cores.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from adapters.deploy.ansible import AnsibleDeployer, find_playbooks_dir
from adapters.deploy.base import ReleaseRequest
from bench.embedded_stack import free_port

TEMPLATE = Path(__file__).resolve().parents[1] / "agents" / "templates" / "python_http_service"
HEALTH_ROUTE = 'ROUTES = {("GET", "/health"): lambda request: (200, {"status": "ok"})}\n'


def make_repo(root: Path) -> tuple[str, str]:
    """A bare repository holding the service template; its URL and head commit."""
    work, bare = root / "work", root / "origin.git"
    shutil.copytree(TEMPLATE, work)
    # What the pipeline's first task adds to every service (agents/offline_model.py).
    (work / "routes" / "health.py").write_text(HEALTH_ROUTE)
    ident = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    for args in (
        ["init", "--initial-branch=main"],
        ["add", "-A"],
        [*ident, "commit", "-qm", "template"],
        ["clone", "--bare", "-q", str(work), str(bare)],
    ):
        subprocess.run(["git", *args], cwd=work, check=True, capture_output=True)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=work, check=True, capture_output=True, text=True
    )
    return str(bare), head.stdout.strip()


async def one_release(
    deployer: AnsibleDeployer, slug: str, port: int, url: str, commit: str, round_: int
) -> float:
    started = time.perf_counter()
    outcome = await deployer.deploy(
        ReleaseRequest(
            project_slug=slug, release_id=f"r{round_}", repo_url=url, commit=commit, port=port
        )
    )
    elapsed = time.perf_counter() - started
    if outcome.status != "healthy":
        raise SystemExit(f"{slug} release r{round_}: {outcome.status}: {outcome.message}")
    return elapsed


def children_cpu_s() -> float:
    """Processor seconds of every finished child process (and theirs) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def run(
    root: Path, counts: list[int], rounds: int, playbooks: Path
) -> list[tuple[int, int, list[float], float, float]]:
    rows = []
    url, commit = make_repo(root / "git")
    for count in counts:
        # The adapter locks its data dir down to root except releases/ (confinement.py).
        data_dir = root / f"data-{count}"
        data_dir.mkdir(mode=0o711)
        deployer = AnsibleDeployer(
            releases_dir=data_dir / "releases",
            playbooks_dir=playbooks,
            data_dir=data_dir,
        )
        ports = [free_port() for _ in range(count)]
        slugs = [f"bench{count}-{i}" for i in range(count)]
        try:
            for round_ in range(1, rounds + 1):
                wall, cpu = time.perf_counter(), children_cpu_s()
                times = await asyncio.gather(
                    *(
                        one_release(deployer, slug, port, url, commit, round_)
                        for slug, port in zip(slugs, ports, strict=True)
                    )
                )
                cpu_each = (children_cpu_s() - cpu) / count
                rows.append((count, round_, list(times), time.perf_counter() - wall, cpu_each))
        finally:
            for slug in slugs:
                await deployer.stop(project_slug=slug)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="1,5,20")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--playbooks", type=Path, default=find_playbooks_dir())
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",") if c]
    root = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    root.chmod(0o711)  # deployed services run as other uids and must reach their release
    try:
        rows = asyncio.run(run(root, counts, args.rounds, args.playbooks.resolve()))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    table = Table(title="deploy → live and healthy (localhost, seconds)")
    for column in ("projects at once", "release", "median", "p95 / max", "all done", "CPU s"):
        table.add_column(column, justify="right")
    for count, round_, times, wall, cpu_each in rows:
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        table.add_row(
            str(count),
            "first" if round_ == 1 else f"next ({round_})",
            f"{statistics.median(times):.2f}",
            f"{p95:.2f} / {ordered[-1]:.2f}",
            f"{wall:.2f}",
            f"{cpu_each:.2f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
