"""Reviews of the local forge, kept in the database so both forges read back alike."""

from __future__ import annotations

from typing import cast

from sqlalchemy.exc import IntegrityError

from adapters.forge.base import Review, ReviewComment, ReviewVerdict
from core.errors import InvalidInput
from db.engine import SessionFactory, transaction
from db.repositories import forge_reviews


async def post(
    sessions: SessionFactory,
    *,
    tenant_id: str,
    repo: str,
    number: int,
    review: Review,
    head_sha: str,
    author: str,
) -> bool:
    """Store the review unless this verdict on this head is there already; True if stored."""
    for comment in review.comments:
        # GitHub refuses a comment without a file or line; refuse it here the same way.
        if not comment.path or comment.line < 1:
            raise InvalidInput(f"a line comment needs a file and a line ≥ 1: {comment}")
    async with transaction(sessions) as session:
        found = await forge_reviews.find(
            session=session, repo=repo, number=number, head_sha=head_sha, verdict=review.verdict
        )
    if found is not None:
        return False
    try:
        async with transaction(sessions) as session:
            await forge_reviews.create(
                session=session,
                tenant_id=tenant_id,
                repo=repo,
                number=number,
                verdict=review.verdict,
                body=review.body,
                comments=[
                    {"path": c.path, "line": c.line, "body": c.body} for c in review.comments
                ],
                author=author,
                head_sha=head_sha,
            )
    except IntegrityError:  # another attempt stored it a moment ago
        return False
    return True


async def list_for(sessions: SessionFactory, *, repo: str, number: int) -> list[Review]:
    async with transaction(sessions) as session:
        rows = await forge_reviews.list_for_pull_request(session=session, repo=repo, number=number)
    return [
        Review(
            verdict=cast(ReviewVerdict, row.verdict),  # written from a ReviewVerdict only
            body=row.body,
            comments=tuple(
                ReviewComment(path=c["path"], line=int(c["line"]), body=c["body"])
                for c in row.comments
            ),
            author=row.author,
            head_sha=row.head_sha,
        )
        for row in rows
    ]
