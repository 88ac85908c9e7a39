"""What the reviewer posts on a pull request, and how a developer reads it back.

Both forges keep reviews where people look (GitHub's pull request, the local forge's DB):
the verdict with its comments, file-and-line remarks beside the code. The rework round
reads them from there, so what a person adds on the pull request reaches the developer too.
"""

from __future__ import annotations

from adapters.forge.base import Review, ReviewComment
from agents.schemas import LineComment
from core.contracts import SecretLeak
from core.diff_scan import added_line_numbers


def review_to_post(
    *,
    approved: bool,
    comments: str,
    line_comments: list[LineComment],
    leaks: list[SecretLeak],
    diff: str,
    head_sha: str,
) -> Review:
    """The forge review: only lines the diff adds carry a comment (GitHub refuses others)."""
    added = added_line_numbers(diff)
    remarks = [ReviewComment(c.path, c.line, c.body) for c in line_comments]
    # The leak's handle, never its value: the comment is public where the code is.
    remarks += [ReviewComment(x.path, x.line, f"holds the value of {x.handle}") for x in leaks]
    placed = tuple(
        dict.fromkeys(r for r in remarks if r.line in added.get(r.path, ()))  # once each
    )
    return Review(
        verdict="approve" if approved else "request_changes",
        body=comments,
        comments=placed,
        head_sha=head_sha,
    )


def feedback_from(reviews: list[Review], head_sha: str, extra: str = "") -> str:
    """The rework brief: every review of the head the developer left, then what else the
    workflow carries (a person's instructions). The reviewer's own comments arrive both
    ways; they are said once."""
    current = [r for r in reviews if r.head_sha == head_sha and r.verdict != "approve"]
    parts = [_render(r) for r in current]
    for review in current:
        extra = extra.replace(review.body.strip(), "") if review.body.strip() else extra
    if extra.strip():
        parts.append(extra.strip())
    return "\n\n".join(parts)


def _render(review: Review) -> str:
    who = review.author or "a reviewer"
    verdict = "requested changes" if review.verdict == "request_changes" else "commented"
    lines = [f"{who} {verdict}:", review.body.strip()]
    lines += [f"- {c.path}:{c.line}: {c.body}" for c in review.comments]
    return "\n".join(line for line in lines if line)
