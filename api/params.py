"""Path and query parameters the routers share, each with its bounds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_ID_CHARS = 64  # the width of every id column (db/models.py)
MAX_EVENT_ID = 2**63 - 1  # event ids are signed 64-bit integers in every database we use

ProjectIdPath = Annotated[
    str, Path(min_length=1, max_length=MAX_ID_CHARS, description="the project id")
]
ItemIdPath = Annotated[
    str,
    Path(min_length=1, max_length=MAX_ID_CHARS, description="the id `GET /inbox` shows"),
]
ProjectIdQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=MAX_ID_CHARS, description="only this project's items"),
]
AfterIdQuery = Annotated[
    int, Query(ge=0, le=MAX_EVENT_ID, description="only events with a greater id")
]
