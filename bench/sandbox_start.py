"""Time to first command: bubblewrap, Docker cold and Docker from the warm pool, side by side.

`.venv/bin/python -m bench.sandbox_start [--runs 20]` (needs an engine at DOCKER_HOST and
the worker image, which it builds when missing). Each run is one `true` in a fresh work tree;
the warm pool is given time to refill between runs, as between a task's commands.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from adapters.sandbox.base import Sandbox
from adapters.sandbox.docker import DockerSandbox
from bench.sandbox_backends import backends


async def first_command_s(sandbox: Sandbox) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-ws-") as workspace:
        started = time.monotonic()
        result = await sandbox.run(Path(workspace), "true")
        elapsed = time.monotonic() - started
    if not result.ok:
        raise RuntimeError(f"{sandbox.name}: {result.stderr}")
    return elapsed


async def measure(runs: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {}
    with backends(pool_size=2) as sandboxes:
        for label, sandbox in sandboxes.items():
            figures[label] = []
            for _ in range(runs):
                while isinstance(sandbox, DockerSandbox) and label.endswith("warm"):
                    if sandbox.idle() >= 2:
                        break
                    await asyncio.sleep(0.05)
                figures[label].append(await first_command_s(sandbox))
    return figures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    figures = asyncio.run(measure(args.runs))
    table = Table(title=f"time to first command, {args.runs} runs each")
    for column in ("backend", "p50", "p95", "mean"):
        table.add_column(column)
    for label, values in figures.items():
        table.add_row(
            label,
            f"{percentile(values, 0.5) * 1000:.0f} ms",
            f"{percentile(values, 0.95) * 1000:.0f} ms",
            f"{statistics.mean(values) * 1000:.0f} ms",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
