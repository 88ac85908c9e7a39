"""Put one command under its limits: a cgroup where the worker may make one, rlimits always."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from adapters.sandbox.base import LimitName
from adapters.sandbox.cgroup import CommandCgroup, create_cgroup
from adapters.sandbox.limits import Limits, limit_from_exit, prlimit_argv

# How soon a fork bomb or an OOM kill is noticed and the rest of the command is ended.
_WATCH_EVERY_S = 0.1


@dataclass
class Confinement:
    limits: Limits
    cgroup: CommandCgroup | None

    def argv(self, command: list[str]) -> list[str]:
        covers = self.cgroup.covers if self.cgroup else frozenset[LimitName]()
        prefix = self.cgroup.join_argv() if self.cgroup else []
        # prlimit is util-linux, always present on Debian; without it only the cgroup holds.
        if shutil.which("prlimit") is not None:
            prefix += prlimit_argv(self.limits, cgroup_covers=covers)
        return [*prefix, *command]

    async def breach(self) -> LimitName:
        """Returns once the command hit a cgroup limit; never returns without a cgroup."""
        while True:
            if self.cgroup is not None and (limit := self.cgroup.breached()) is not None:
                return limit
            await asyncio.sleep(_WATCH_EVERY_S)

    def limit_hit(self, exit_code: int) -> LimitName | None:
        if self.cgroup is not None and (limit := self.cgroup.breached()) is not None:
            return limit
        return limit_from_exit(exit_code)

    async def kill(self) -> None:
        if self.cgroup is not None:
            await asyncio.to_thread(self.cgroup.kill)


@asynccontextmanager
async def confined(limits: Limits) -> AsyncIterator[Confinement]:
    cgroup = await asyncio.to_thread(create_cgroup, limits)
    try:
        yield Confinement(limits, cgroup)
    finally:
        if cgroup is not None:
            # Shielded: a cancelled caller must still leave no cgroup (and no process) behind.
            await asyncio.shield(asyncio.to_thread(cgroup.remove))
