"""Pull requests of the local forge."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import PullRequest, utcnow


async def find_open_by_branch(
    *, session: AsyncSession, repo: str, branch: str
) -> PullRequest | None:
    result = await session.exec(
        select(PullRequest).where(
            PullRequest.repo == repo, PullRequest.branch == branch, PullRequest.state == "open"
        )
    )
    return result.first()


async def get(*, session: AsyncSession, repo: str, number: int) -> PullRequest | None:
    result = await session.exec(
        select(PullRequest).where(PullRequest.repo == repo, PullRequest.number == number)
    )
    return result.first()


async def list_for_repo(*, session: AsyncSession, repo: str) -> list[PullRequest]:
    result = await session.exec(
        select(PullRequest).where(PullRequest.repo == repo).order_by(col(PullRequest.number))
    )
    return list(result.all())


async def create(
    *,
    session: AsyncSession,
    tenant_id: str,
    repo: str,
    branch: str,
    base: str,
    title: str,
    body: str,
    head_sha: str,
    diff: str,
) -> PullRequest:
    # Numbers are per repository, like GitHub's; the unique constraint catches a race.
    last = await session.exec(select(func.max(PullRequest.number)).where(PullRequest.repo == repo))
    number = (last.one() or 0) + 1
    pr = PullRequest(
        tenant_id=tenant_id,
        repo=repo,
        number=number,
        branch=branch,
        base=base,
        title=title,
        body=body,
        head_sha=head_sha,
        diff=diff,
    )
    session.add(pr)
    await session.flush()
    return pr


async def update_head(*, session: AsyncSession, pr: PullRequest, head_sha: str, diff: str) -> None:
    pr.head_sha = head_sha
    pr.diff = diff
    pr.updated_at = utcnow()
    session.add(pr)


async def mark_merged(*, session: AsyncSession, pr: PullRequest, merge_sha: str) -> None:
    pr.state = "merged"
    pr.merge_sha = merge_sha
    pr.updated_at = utcnow()
    session.add(pr)


async def mark_closed(*, session: AsyncSession, pr: PullRequest) -> None:
    pr.state = "closed"
    pr.updated_at = utcnow()
    session.add(pr)
