"""Create-or-update of a row found by a unique key, safe when two callers race to create it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

Row = TypeVar("Row", bound=SQLModel)


async def upsert(
    *,
    session: AsyncSession,
    query: SelectOfScalar[Row],
    new: Callable[[], Row],
    update: Callable[[Row], None],
) -> Row:
    """The row `query` finds, or a `new()` one, with `update` applied. Two first sets at once
    (two `models set`, an API call beside the CLI): the loser's insert fails inside its
    savepoint, and it updates the winner's row instead of failing with an IntegrityError."""
    row = (await session.exec(query)).first()
    if row is None:
        try:
            async with session.begin_nested():
                row = new()
                update(row)
                session.add(row)
            return row
        except IntegrityError:
            row = (await session.exec(query.execution_options(populate_existing=True))).first()
            if row is None:
                raise
    update(row)
    session.add(row)
    await session.flush()
    return row
