"""The fake GitHub's git side: bare repositories it keeps, merges, diffs, smart HTTP via CGI.

Real git does everything here (`git http-backend` serves clone/fetch/push), so a client's
`git push` is exactly what it would be against github.com, credentials helper included.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_IDENTITY = {
    "GIT_AUTHOR_NAME": "GitHub",
    "GIT_AUTHOR_EMAIL": "noreply@github.com",
    "GIT_COMMITTER_NAME": "GitHub",
    "GIT_COMMITTER_EMAIL": "noreply@github.com",
}
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


class MergeRefused(Exception):
    """The head does not merge cleanly into the base (GitHub answers 405)."""


def _env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", os.defpath), "HOME": "/nonexistent", **_IDENTITY}


def git(*args: str, git_dir: Path | None = None, check: bool = True) -> str:
    where = [f"--git-dir={git_dir}"] if git_dir is not None else []
    done = subprocess.run(
        ["git", "-c", "core.hooksPath=/dev/null", *where, *args],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def init_repository(bare: Path, *, name: str, description: str, auto_init: bool) -> None:
    bare.parent.mkdir(parents=True, exist_ok=True)
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    if not auto_init:
        return
    with tempfile.TemporaryDirectory(prefix="fake-gh-init-") as tmp:
        work = Path(tmp)
        git("init", "--quiet", "--initial-branch=main", str(work))
        (work / "README.md").write_text(f"# {name}\n\n{description}\n", encoding="utf-8")
        git("-C", str(work), "add", "README.md")
        git("-C", str(work), "commit", "--quiet", "-m", "Initial commit")
        git("-C", str(work), "push", "--quiet", str(bare), "main:main")


def protect(bare: Path, *, protected: bool) -> None:
    """Branch protection's defaults: no force pushes, no deletions (the rest is not enforced)."""
    value = "true" if protected else "false"
    git("config", "receive.denyNonFastForwards", value, git_dir=bare)
    git("config", "receive.denyDeletes", value, git_dir=bare)


def resolve(bare: Path, ref: str) -> str | None:
    out = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", git_dir=bare, check=False)
    return out.strip() or None


def diff(bare: Path, base: str, head: str) -> str:
    return git("diff", "--no-color", "--no-ext-diff", f"{base}...{head}", git_dir=bare)


def commits_between(bare: Path, base: str, head: str) -> int:
    return int(git("rev-list", "--count", f"{base}..{head}", git_dir=bare).strip())


def merge(bare: Path, *, base_ref: str, head: str, message: str, method: str) -> str:
    """A merge commit (or one squashed commit) on top of `base_ref`; the ref moves to it."""
    base = resolve(bare, base_ref)
    assert base is not None
    done = subprocess.run(
        ["git", f"--git-dir={bare}", "merge-tree", "--write-tree", base, head],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    if done.returncode != 0:
        raise MergeRefused(done.stdout.strip())
    tree = done.stdout.split()[0]
    parents = ["-p", base] if method in ("squash", "rebase") else ["-p", base, "-p", head]
    sha = git("commit-tree", tree, *parents, "-m", message, git_dir=bare).strip()
    git("update-ref", base_ref, sha, base, git_dir=bare)
    return sha


def new_side_lines(patch: str, path: str) -> set[int]:
    """Lines of `path` a review comment may point at: added or context lines in the diff."""
    lines: set[int] = set()
    current: str | None = None
    line = 0
    for text in patch.splitlines():
        if text.startswith("diff --git "):
            current = None
        elif text.startswith("+++ "):
            current = text[6:] if text.startswith("+++ b/") else None
        elif (match := _HUNK.match(text)) is not None:
            line = int(match[1])
        elif current == path and text[:1] in (" ", "+"):
            lines.add(line)
            line += 1
        elif current != path and text[:1] in (" ", "+"):
            line += 1
    return lines


@dataclass(frozen=True)
class CgiResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def http_backend(
    root: Path,
    *,
    method: str,
    path_info: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
    user: str,
) -> CgiResponse:
    """Run `git http-backend` for one request of the smart HTTP protocol."""
    env = {
        **_env(),
        "GIT_PROJECT_ROOT": str(root),
        "GIT_HTTP_EXPORT_ALL": "1",
        "REQUEST_METHOD": method,
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "REMOTE_USER": user,  # authenticated: http-backend then allows receive-pack
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(body)),
    }
    for name in ("content-encoding", "git-protocol"):
        if name in headers:
            env["HTTP_" + name.upper().replace("-", "_")] = headers[name]
    done = subprocess.run(
        ["git", "http-backend"], input=body, capture_output=True, env=env, check=False
    )
    head, _, payload = done.stdout.partition(b"\r\n\r\n")
    status, out_headers = 200, []
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.strip().split()[0])
        elif name:
            out_headers.append((name, value.strip()))
    return CgiResponse(status, out_headers, payload)
