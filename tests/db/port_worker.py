"""A worker process that allocates ports for many projects at once (tests/db/test_port_race.py).

Usage: python -m tests.db.port_worker DATABASE_URL START END PROJECT_ID...
Prints {project_id: port} as JSON, or {project_id: "error: ..."} for a failed allocation.
"""

from __future__ import annotations

import asyncio
import json
import sys

from db.engine import create_engine, session_factory, transaction
from db.repositories import resources


async def main(url: str, start: int, end: int, project_ids: list[str]) -> None:
    engine = create_engine(url)
    sessions = session_factory(engine)

    async def one(project_id: str) -> str:
        try:
            async with transaction(sessions) as session:
                port = await resources.allocate_port(
                    session=session,
                    tenant_id="acme",
                    project_id=project_id,
                    start=start,
                    end=end,
                )
                return port.value
        except Exception as err:  # reported to the test, which fails on any
            return f"error: {type(err).__name__}: {err}"

    ports = await asyncio.gather(*(one(p) for p in project_ids))
    await engine.dispose()
    sys.stdout.write(json.dumps(dict(zip(project_ids, ports, strict=True))))


if __name__ == "__main__":
    url, start, end, *ids = sys.argv[1:]
    asyncio.run(main(url, int(start), int(end), ids))
