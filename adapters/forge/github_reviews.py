"""Our Review as a GitHub pull-request review, and back.

Two GitHub rules shape this. Nobody may approve or request changes on their own pull
request, and the factory opens them: then the review is posted as COMMENT, so the verdict
also travels in a marker line (an HTML comment, invisible on the page) plus a visible
first line, and is read back from the marker. And a line comment must point at a line of
the diff (GitHub answers 422 otherwise): comments elsewhere go into the body.
"""

from __future__ import annotations

import re
from typing import Any, cast

from github import GithubException
from github.PullRequest import PullRequest

from adapters.forge.base import Review, ReviewComment, ReviewVerdict

EVENTS: dict[ReviewVerdict, str] = {
    "approve": "APPROVE",
    "request_changes": "REQUEST_CHANGES",
    "comment": "COMMENT",
}
_STATES: dict[str, ReviewVerdict] = {
    "APPROVED": "approve",
    "CHANGES_REQUESTED": "request_changes",
}
_HEADLINES: dict[ReviewVerdict, str] = {
    "approve": "**Approved** by the factory's reviewer.",
    "request_changes": "**Changes requested** by the factory's reviewer.",
    "comment": "",
}
_MARKER = re.compile(r"^<!-- orchestrator-review verdict=(?P<verdict>[a-z_]+) -->$")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def commentable_lines(patch: str) -> dict[str, set[int]]:
    """Per file, the new-side lines (added or context) a line comment may point at."""
    lines: dict[str, set[int]] = {}
    path: str | None = None
    line = 0
    for text in patch.splitlines():
        if text.startswith("diff --git "):
            path = None
        elif text.startswith("+++ "):
            path = text[6:] if text.startswith("+++ b/") else None
        elif (match := _HUNK.match(text)) is not None:
            line = int(match[1])
        elif path is not None and text[:1] in (" ", "+"):
            lines.setdefault(path, set()).add(line)
            line += 1
    return lines


def payload(review: Review, *, head: str, patch: str) -> dict[str, Any]:
    allowed = commentable_lines(patch)
    inline = [c for c in review.comments if c.line in allowed.get(c.path, set())]
    elsewhere = [c for c in review.comments if c not in inline]
    body = review.body
    if elsewhere:
        notes = "\n".join(f"- `{c.path}` line {c.line}: {c.body}" for c in elsewhere)
        body = f"{body}\n\nOn lines outside the diff:\n{notes}"
    parts = [
        f"<!-- orchestrator-review verdict={review.verdict} -->",
        _HEADLINES[review.verdict],
        body,
    ]
    return {
        "commit_id": head,
        "event": EVENTS[review.verdict],
        "body": "\n".join(p for p in parts if p),
        "comments": [
            {"path": c.path, "line": c.line, "side": "RIGHT", "body": c.body} for c in inline
        ],
    }


def as_comment(posted: dict[str, Any]) -> dict[str, Any]:
    return {**posted, "event": "COMMENT"}


def is_own_pull_request_refusal(exc: GithubException) -> bool:
    return exc.status == 422 and "your own pull request" in str(exc.data).lower()


def _parse_body(body: str, state: str) -> tuple[ReviewVerdict, str]:
    lines = body.splitlines()
    match = _MARKER.match(lines[0]) if lines else None
    if match is None or match["verdict"] not in EVENTS:
        return _STATES.get(state, "comment"), body
    verdict = cast(ReviewVerdict, match["verdict"])
    rest = lines[1:]
    if rest and _HEADLINES[verdict] and rest[0] == _HEADLINES[verdict]:
        rest = rest[1:]
    return verdict, "\n".join(rest)


def read(pr: PullRequest) -> list[Review]:
    """Every review of `pr`, oldest first, with its line comments (blocking)."""
    by_review: dict[int, list[ReviewComment]] = {}
    for comment in pr.get_review_comments():
        line = comment.line or comment.original_line
        if comment.pull_request_review_id is not None and line is not None:
            by_review.setdefault(comment.pull_request_review_id, []).append(
                ReviewComment(path=comment.path, line=line, body=comment.body)
            )
    found = []
    for posted in pr.get_reviews():
        verdict, body = _parse_body(posted.body or "", posted.state)
        found.append(
            Review(
                verdict=verdict,
                body=body,
                comments=tuple(by_review.get(posted.id, [])),
                author=posted.user.login if posted.user else "",
                head_sha=posted.commit_id or "",
            )
        )
    return found
