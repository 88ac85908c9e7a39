"""Async helpers around the `git` CLI, shared by the local forge and the activities.

Host git never trusts a work tree a sandbox has written to. Everything in a `.git`
directory can make git run a program: hooks (`post-commit`, `reference-transaction`,
`pre-push`, ... `--no-verify` skips only two), `core.fsmonitor`, `remote.*.receivepack`,
filter/textconv/merge drivers that a `.gitattributes` names, `include.path` pulling in
more of the same. No list of `-c` overrides can neutralise every driver name, so the
rule is structural instead: every command names its git dir explicitly (`Repo`), and
a sandboxed checkout keeps that git dir beside its work tree, never inside it, so the
config and hooks git reads were written by the host alone. A `.git` found in a work
tree is then only a file the agent made; commit_all deletes it before staging.
The `-c` overrides below are a second line behind that rule.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import structlog

from adapters.forge.credentials import GitCredential, credential_pipe
from core.child_env import child_environment
from core.errors import OrchestratorError

log = structlog.get_logger(__name__)

# Commits are made by the factory, not by whoever runs the worker; a global
# `commit.gpgsign=true` on that host must not make every commit fail.
_IDENTITY = (
    "user.name=Orchestrator",
    "user.email=orchestrator@localhost",
    "commit.gpgsign=false",
    "init.defaultBranch=main",
)
# Defence in depth: the git dirs we use are host-written, but nothing we run needs a
# hook, a file-system monitor, a pager, an editor, submodules or the `ext::` transport
# (which runs any command its URL names), so none of them can ever be turned on.
_INERT = (
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.pager=cat",
    "core.editor=true",
    "protocol.ext.allow=never",
    "submodule.recurse=false",
    "fetch.recurseSubmodules=false",
    "push.recurseSubmodules=no",
    # No credential helper of the host's config may see (or `store`) a forge token; the
    # only helper is the one-shot pipe a call passes (adapters/forge/credentials.py).
    "credential.helper=",
)
_CONFIG = tuple(arg for setting in (*_IDENTITY, *_INERT) for arg in ("-c", setting))
# What runs on the other side of a push or fetch is ours to name, not a config's.
_RECEIVE_PACK = "--receive-pack=git-receive-pack"
_UPLOAD_PACK = "--upload-pack=git-upload-pack"
_CREDENTIALS = re.compile(r"(\w+://)[^/@\s]+@")


class GitError(OrchestratorError):
    """A git command failed; the message carries its stderr (credentials redacted)."""


class MergeConflict(OrchestratorError):
    """The branch does not merge cleanly; nothing was pushed."""

    def __init__(self, message: str, *, files: list[str]) -> None:
        super().__init__(message)
        self.files = files


@dataclass(frozen=True)
class Repo:
    """A repository as git is told about it on every command: never discovered from a cwd."""

    git_dir: Path
    work_tree: Path | None = None  # None: a bare repository

    @classmethod
    def bare(cls, path: Path) -> Repo:
        return cls(git_dir=path)

    @classmethod
    def host_clone(cls, path: Path) -> Repo:
        """A clone with `.git` inside: only for trees no sandbox has written to."""
        return cls(git_dir=path / ".git", work_tree=path)

    def args(self) -> tuple[str, ...]:
        tree = () if self.work_tree is None else (f"--work-tree={self.work_tree}",)
        return (f"--git-dir={self.git_dir}", *tree)

    @property
    def cwd(self) -> Path:
        return self.work_tree if self.work_tree is not None else self.git_dir


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
    # redirect every command; the only GIT_* settings git gets are the ones we choose here.
    # The variables outrank any config: fail instead of waiting for a password, and never
    # start a pager or an editor.
    return child_environment({"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "GIT_EDITOR": "true"})


def _branch(name: str) -> str:
    if not name or name.startswith("-"):
        raise GitError(f"invalid branch name {name!r}")
    return name


async def _run(
    *args: str, repo: Repo | None = None, credential: GitCredential | None = None
) -> _Completed:
    where = () if repo is None else repo.args()
    with credential_pipe(credential) as (helper, fds):
        proc = await asyncio.create_subprocess_exec(
            "git",
            *_CONFIG,
            *helper,
            *where,
            *args,
            cwd=None if repo is None else repo.cwd,
            env=_env(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            pass_fds=fds,
        )
        out, err = await proc.communicate()
    return _Completed(
        returncode=proc.returncode if proc.returncode is not None else -1,
        stdout=out.decode("utf-8", errors="replace"),
        stderr=err.decode("utf-8", errors="replace"),
    )


async def run(*args: str, repo: Repo | None = None, credential: GitCredential | None = None) -> str:
    """Run `git args...` (in `repo`, if given) and return its stdout; GitError on failure.

    `credential` is what a forge's HTTPS remote asks for; it reaches git only by a pipe."""
    done = await _run(*args, repo=repo, credential=credential)
    if done.returncode != 0:
        command = _redact(" ".join(("git", *args)))
        detail = _redact(done.stderr.strip() or done.stdout.strip())
        raise GitError(f"`{command}` failed (exit {done.returncode}): {detail}")
    return done.stdout


async def init_bare(path: Path, *, initial_branch: str = "main") -> Repo:
    await run("init", "--quiet", "--bare", f"--initial-branch={_branch(initial_branch)}", str(path))
    return Repo.bare(path)


async def init(path: Path, *, initial_branch: str = "main") -> Repo:
    await run("init", "--quiet", f"--initial-branch={_branch(initial_branch)}", str(path))
    return Repo.host_clone(path)


async def clone(
    url: str,
    dest: Path,
    *,
    git_dir: Path | None = None,
    branch: str | None = None,
    credential: GitCredential | None = None,
) -> Repo:
    """Clone `url` into the work tree `dest`; with `git_dir`, keep the metadata there instead.

    A tree a sandbox will write to needs `git_dir` outside it (see the module docstring).
    """
    args = ["clone", "--quiet", _UPLOAD_PACK]
    if branch is not None:
        args += ["--branch", _branch(branch)]
    if git_dir is None:
        await run(*args, "--", url, str(dest), credential=credential)
        return Repo.host_clone(dest)
    await run(*args, f"--separate-git-dir={git_dir}", "--", url, str(dest), credential=credential)
    # The `gitdir:` pointer clone leaves would name a host path inside the sandbox, and
    # nothing host-side reads it: every command names the git dir itself.
    (dest / ".git").unlink()
    return Repo(git_dir=git_dir, work_tree=dest)


async def checkout_new_branch(repo: Repo, branch: str, *, start_point: str = "HEAD") -> None:
    await run("checkout", "--quiet", "-b", _branch(branch), start_point, repo=repo)


async def checkout_remote_branch(repo: Repo, branch: str, *, remote: str = "origin") -> None:
    """Check out `branch` as pushed to `remote` (e.g. to continue a task after review)."""
    name = _branch(branch)
    await run("checkout", "--quiet", "-B", name, f"refs/remotes/{remote}/{name}", repo=repo)


async def has_remote_branch(
    repo: Repo, branch: str, *, remote: str = "origin", credential: GitCredential | None = None
) -> bool:
    done = await _run(
        "ls-remote",
        _UPLOAD_PACK,
        "--exit-code",
        "--heads",
        remote,
        f"refs/heads/{_branch(branch)}",
        repo=repo,
        credential=credential,
    )
    if done.returncode not in (0, 2):  # 2 = no matching ref
        raise GitError(f"`git ls-remote {remote}` failed: {_redact(done.stderr.strip())}")
    return done.returncode == 0


async def remote_head(
    url: str, branch: str, *, credential: GitCredential | None = None
) -> str | None:
    """The sha `branch` points at in the repository at `url`, or None if it has no such branch."""
    ref = f"refs/heads/{_branch(branch)}"
    out = await run("ls-remote", _UPLOAD_PACK, "--heads", url, ref, credential=credential)
    return out.split()[0] if out.strip() else None


async def has_ref(repo: Repo, ref: str) -> bool:
    done = await _run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", repo=repo)
    return done.returncode == 0


async def rev_parse(repo: Repo, rev: str) -> str:
    return (await run("rev-parse", "--verify", f"{rev}^{{commit}}", repo=repo)).strip()


async def commit_all(repo: Repo, message: str) -> str | None:
    """Stage everything and commit; return the new sha, or None when there is nothing to commit."""
    if repo.work_tree is not None:
        _remove_nested_git(repo.work_tree, keep=repo.git_dir)
    await run("add", "--all", repo=repo)
    staged = await _run("diff", "--cached", "--quiet", "--no-ext-diff", "--no-textconv", repo=repo)
    if staged.returncode == 0:
        return None
    await run("commit", "--quiet", "--no-verify", "-m", message, repo=repo)
    return await rev_parse(repo, "HEAD")


def _remove_nested_git(tree: Path, *, keep: Path) -> None:
    # A `.git` below the root would be staged as a gitlink to a repository we never see
    # (or, at the root, mistaken for ours by anyone who runs git there): an agent has no
    # business making one. It is removed; the files it tracked are staged as plain files.
    own = os.path.abspath(keep)
    for parent, dirs, files in os.walk(tree):  # lists symlinks but never follows them
        if ".git" not in dirs and ".git" not in files:
            continue
        if ".git" in dirs:
            dirs.remove(".git")
        found = Path(parent) / ".git"
        # Compared by name, not resolved: a symlink to our git dir is still the agent's.
        if os.path.abspath(found) == own and not found.is_symlink():
            continue
        log.warning("git_dir_in_work_tree_removed", path=str(found))
        if found.is_dir() and not found.is_symlink():
            shutil.rmtree(found)
        else:
            found.unlink()


async def push(
    repo: Repo,
    branch: str,
    *,
    remote: str,
    force: bool = False,
    credential: GitCredential | None = None,
) -> None:
    """Push local `branch` to the same name on `remote`: a URL or path, not a remote's name,
    so that no `remote.*` setting decides where it goes or what runs there."""
    name = _branch(branch)
    flags = ["--force"] if force else []
    refspec = f"refs/heads/{name}:refs/heads/{name}"
    args = ("push", "--quiet", _RECEIVE_PACK, *flags, "--", remote, refspec)
    await run(*args, repo=repo, credential=credential)


async def fetch_mirror(url: str, bare: Path, *, credential: GitCredential | None = None) -> Repo:
    """Bring every branch of `url` into the bare repository `bare` (created on first use)."""
    if not (bare / "HEAD").exists():
        await init_bare(bare)
    mirror = Repo.bare(bare)
    refspec = "+refs/heads/*:refs/heads/*"
    await run(
        "fetch",
        "--quiet",
        "--prune",
        _UPLOAD_PACK,
        "--",
        url,
        refspec,
        repo=mirror,
        credential=credential,
    )
    return mirror


async def diff(repo: Repo, base: str, head: str) -> str:
    """What `head` changes since it forked from `base` (three-dot), like a pull request shows."""
    args = ("diff", "--no-color", "--no-ext-diff", "--no-textconv", f"{base}...{head}")
    return await run(*args, repo=repo)


async def commit_patches(repo: Repo, base: str, head: str) -> str:
    """Every commit's own patch in `base..head`: what a no-ff merge carries into `base`,
    including lines a later commit removed again. No commit headers, only `diff --git`s."""
    args = ("log", "-p", "--format=", "--no-color", "--no-ext-diff", "--no-textconv")
    return await run(*args, f"{base}..{head}", repo=repo)


async def commit_messages(repo: Repo, base: str, head: str) -> str:
    return await run("log", "--format=%B", f"{base}..{head}", repo=repo)


async def is_ancestor(repo: Repo, commit: str, of: str) -> bool:
    done = await _run("merge-base", "--is-ancestor", commit, of, repo=repo)
    if done.returncode not in (0, 1):
        raise GitError(f"`git merge-base {commit} {of}` failed: {done.stderr.strip()}")
    return done.returncode == 0


async def merge_no_ff(repo: Repo, rev: str, *, message: str) -> str:
    """Merge `rev` into the checked-out branch with a merge commit; return its sha.

    On a conflict the merge is aborted, the work tree left clean, and MergeConflict raised.
    """
    done = await _run("merge", "--no-ff", "--no-edit", "-m", message, rev, repo=repo)
    if done.returncode == 0:
        return await rev_parse(repo, "HEAD")
    unmerged = await run("diff", "--name-only", "--diff-filter=U", repo=repo)
    files = unmerged.splitlines()
    if not files:
        raise GitError(f"`git merge {rev}` failed: {done.stderr.strip() or done.stdout.strip()}")
    await run("merge", "--abort", repo=repo)
    raise MergeConflict(f"merging {rev} conflicts in {', '.join(files)}", files=files)
