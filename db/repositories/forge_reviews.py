"""Reviews of the local forge's pull requests, with their line comments."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ForgeReview


async def find(
    *, session: AsyncSession, repo: str, number: int, head_sha: str, verdict: str
) -> ForgeReview | None:
    result = await session.exec(
        select(ForgeReview).where(
            ForgeReview.repo == repo,
            ForgeReview.number == number,
            ForgeReview.head_sha == head_sha,
            ForgeReview.verdict == verdict,
        )
    )
    return result.first()


async def create(
    *,
    session: AsyncSession,
    tenant_id: str,
    repo: str,
    number: int,
    verdict: str,
    body: str,
    comments: list[dict[str, Any]],
    author: str,
    head_sha: str,
) -> ForgeReview:
    review = ForgeReview(
        tenant_id=tenant_id,
        repo=repo,
        number=number,
        verdict=verdict,
        body=body,
        comments=comments,
        author=author,
        head_sha=head_sha,
    )
    session.add(review)
    await session.flush()
    return review


async def list_for_pull_request(
    *, session: AsyncSession, repo: str, number: int
) -> list[ForgeReview]:
    result = await session.exec(
        select(ForgeReview)
        .where(ForgeReview.repo == repo, ForgeReview.number == number)
        .order_by(col(ForgeReview.id))
    )
    return list(result.all())
