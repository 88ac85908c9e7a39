"""1, 4 and 16 tasks of fixed work at once on each backend; parallel efficiency.

`.venv/bin/python -m bench.parallel`. A task is one sandboxed command doing a fixed amount
of CPU work. Efficiency = ideal wall time / measured, where ideal is the single task's time
× tasks / min(tasks, cores): 100 % means the backend adds nothing to running many at once.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from adapters.sandbox.base import Sandbox
from bench.sandbox_backends import backends

WORK = "python3 -c 'sum(i * i for i in range(2_000_000))'"
COUNTS = (1, 4, 16)


async def wall_s(sandbox: Sandbox, tasks: int) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-par-") as root:
        trees = [Path(root) / f"t{i}" for i in range(tasks)]
        for tree in trees:
            tree.mkdir()
        started = time.monotonic()
        results = await asyncio.gather(*(sandbox.run(tree, WORK) for tree in trees))
        elapsed = time.monotonic() - started
    failed = [r.stderr for r in results if not r.ok]
    if failed:
        raise RuntimeError(f"{sandbox.name}: {failed[0]}")
    return elapsed


async def measure() -> list[tuple[str, int, float, float]]:
    cores = os.cpu_count() or 1
    rows = []
    with backends(pool_size=4) as sandboxes:
        for label, sandbox in sandboxes.items():
            await wall_s(sandbox, 1)  # warm the page cache and the pool
            single = await wall_s(sandbox, 1)
            for tasks in COUNTS:
                await asyncio.sleep(1.0)  # let a warm pool refill, as between waves of tasks
                measured = single if tasks == 1 else await wall_s(sandbox, tasks)
                ideal = single * tasks / min(tasks, cores)
                rows.append((label, tasks, measured, ideal / measured))
    return rows


def main() -> None:
    rows = asyncio.run(measure())
    table = Table(title=f"{WORK} × N at once, {os.cpu_count()} cores")
    for column in ("backend", "tasks", "wall", "efficiency"):
        table.add_column(column)
    for label, tasks, measured, efficiency in rows:
        table.add_row(label, str(tasks), f"{measured:.2f} s", f"{efficiency * 100:.0f} %")
    Console().print(table)


if __name__ == "__main__":
    main()
