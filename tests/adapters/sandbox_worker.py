"""A stand-in worker process for the kill -9 test: runs one endless command in a Docker
sandbox, labelled as a task of run `run_id`, and prints `running` once it has started.

`python -m tests.adapters.sandbox_worker IMAGE SLOTS WORKSPACE RUN_ID POOL_SIZE`
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from adapters.sandbox.base import SandboxOwner
from tests.docker_engine import docker_sandbox


async def main(image: str, slots: str, workspace: str, run_id: str, pool_size: str) -> None:
    sandbox = docker_sandbox(image, Path(slots), pool_size=int(pool_size))
    owner = SandboxOwner("t", "p", "task-1", "developer-p-task-1", run_id)
    while sandbox.idle() < int(pool_size):  # a claim should find the pool ready, as in a worker
        await asyncio.sleep(0.05)
    await sandbox.run(Path(workspace), "touch started; sleep 600", owner=owner, timeout_s=900)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
