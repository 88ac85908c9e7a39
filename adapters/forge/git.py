"""Async helpers around the `git` CLI, shared by the local forge and the developer activity."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

from core.child_env import child_environment
from core.errors import OrchestratorError

# Commits are made by the factory, not by whoever runs the worker; a global
# `commit.gpgsign=true` on that host must not make every commit fail.
_CONFIG = (
    "-c",
    "user.name=Orchestrator",
    "-c",
    "user.email=orchestrator@localhost",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "init.defaultBranch=main",
)
_CREDENTIALS = re.compile(r"(\w+://)[^/@\s]+@")


class GitError(OrchestratorError):
    """A git command failed; the message carries its stderr (credentials redacted)."""


class MergeConflict(OrchestratorError):
    """The branch does not merge cleanly; nothing was pushed."""

    def __init__(self, message: str, *, files: list[str]) -> None:
        super().__init__(message)
        self.files = files


@dataclass(frozen=True)
class _Completed:
    returncode: int
    stdout: str
    stderr: str


def _redact(text: str) -> str:
    # Clone URLs of a real forge carry a token; errors end up in workflow history.
    return _CREDENTIALS.sub(r"\1***@", text)


def _env() -> dict[str, str]:
    # The allowlist also keeps out GIT_DIR & co. from a surrounding hook or shell, which would
    # redirect every command; the only GIT_* setting git gets is the one we choose here.
    return child_environment({"GIT_TERMINAL_PROMPT": "0"})  # fail, not wait for a password


def _branch(name: str) -> str:
    if not name or name.startswith("-"):
        raise GitError(f"invalid branch name {name!r}")
    return name


async def _run(*args: str, cwd: Path | None = None) -> _Completed:
    proc = await asyncio.create_subprocess_exec(
        "git",
        *_CONFIG,
        *args,
        cwd=cwd,
        env=_env(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    return _Completed(
        returncode=proc.returncode if proc.returncode is not None else -1,
        stdout=out.decode("utf-8", errors="replace"),
        stderr=err.decode("utf-8", errors="replace"),
    )


async def run(*args: str, cwd: Path | None = None) -> str:
    """Run `git args...` and return its stdout; raise GitError on a non-zero exit."""
    done = await _run(*args, cwd=cwd)
    if done.returncode != 0:
        command = _redact(" ".join(("git", *args)))
        detail = _redact(done.stderr.strip() or done.stdout.strip())
        raise GitError(f"`{command}` failed (exit {done.returncode}): {detail}")
    return done.stdout


async def init_bare(path: Path, *, initial_branch: str = "main") -> None:
    await run("init", "--quiet", "--bare", f"--initial-branch={_branch(initial_branch)}", str(path))


async def init(path: Path, *, initial_branch: str = "main") -> None:
    await run("init", "--quiet", f"--initial-branch={_branch(initial_branch)}", str(path))


async def clone(url: str, dest: Path, *, branch: str | None = None) -> None:
    args = ["clone", "--quiet"]
    if branch is not None:
        args += ["--branch", _branch(branch)]
    await run(*args, "--", url, str(dest))


async def checkout_new_branch(repo: Path, branch: str, *, start_point: str = "HEAD") -> None:
    await run("checkout", "--quiet", "-b", _branch(branch), start_point, cwd=repo)


async def checkout_remote_branch(repo: Path, branch: str, *, remote: str = "origin") -> None:
    """Check out `branch` as pushed to `remote` (e.g. to continue a task after review)."""
    name = _branch(branch)
    await run("checkout", "--quiet", "-B", name, f"refs/remotes/{remote}/{name}", cwd=repo)


async def has_remote_branch(repo: Path, branch: str, *, remote: str = "origin") -> bool:
    done = await _run(
        "ls-remote", "--exit-code", "--heads", remote, f"refs/heads/{_branch(branch)}", cwd=repo
    )
    if done.returncode not in (0, 2):  # 2 = no matching ref
        raise GitError(f"`git ls-remote {remote}` failed: {_redact(done.stderr.strip())}")
    return done.returncode == 0


async def has_ref(repo: Path, ref: str) -> bool:
    done = await _run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=repo)
    return done.returncode == 0


async def rev_parse(repo: Path, rev: str) -> str:
    return (await run("rev-parse", "--verify", f"{rev}^{{commit}}", cwd=repo)).strip()


async def commit_all(repo: Path, message: str) -> str | None:
    """Stage everything and commit; return the new sha, or None when there is nothing to commit."""
    await run("add", "--all", cwd=repo)
    staged = await _run("diff", "--cached", "--quiet", cwd=repo)
    if staged.returncode == 0:
        return None
    await run("commit", "--quiet", "--no-verify", "-m", message, cwd=repo)
    return await rev_parse(repo, "HEAD")


async def push(repo: Path, branch: str, *, remote: str = "origin", force: bool = False) -> None:
    """Push local `branch` to the same name on `remote` (a remote name, path or URL)."""
    name = _branch(branch)
    flags = ["--force"] if force else []
    await run("push", "--quiet", *flags, remote, f"refs/heads/{name}:refs/heads/{name}", cwd=repo)


async def diff(repo: Path, base: str, head: str) -> str:
    """What `head` changes since it forked from `base` (three-dot), like a pull request shows."""
    return await run("diff", "--no-color", "--no-ext-diff", f"{base}...{head}", cwd=repo)


async def is_ancestor(repo: Path, commit: str, of: str) -> bool:
    done = await _run("merge-base", "--is-ancestor", commit, of, cwd=repo)
    if done.returncode not in (0, 1):
        raise GitError(f"`git merge-base {commit} {of}` failed: {done.stderr.strip()}")
    return done.returncode == 0


async def merge_no_ff(repo: Path, rev: str, *, message: str) -> str:
    """Merge `rev` into the checked-out branch with a merge commit; return its sha.

    On a conflict the merge is aborted, the work tree left clean, and MergeConflict raised.
    """
    done = await _run("merge", "--no-ff", "--no-edit", "-m", message, rev, cwd=repo)
    if done.returncode == 0:
        return await rev_parse(repo, "HEAD")
    unmerged = await run("diff", "--name-only", "--diff-filter=U", cwd=repo)
    files = unmerged.splitlines()
    if not files:
        raise GitError(f"`git merge {rev}` failed: {done.stderr.strip() or done.stdout.strip()}")
    await run("merge", "--abort", cwd=repo)
    raise MergeConflict(f"merging {rev} conflicts in {', '.join(files)}", files=files)
