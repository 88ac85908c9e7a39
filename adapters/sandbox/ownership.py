"""Lend a workspace to the sandbox's unprivileged user for one command, and take it back.

The top-level `.git` is never lent: owned by the worker and mounted read-only, the sandbox can
read history but cannot plant hooks or config that host-side git would later run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

GIT_DIR = ".git"


@contextmanager
def lent_to(workspace: Path, *, uid: int, gid: int) -> Iterator[None]:
    """Own the tree as `uid:gid` inside the block, as the worker afterwards (also on errors)."""
    _chown_tree(workspace, uid, gid)
    try:
        yield
    finally:
        # lchown never follows a symlink the sandbox left; and a chown clears set-user-ID
        # bits, so nothing it marked setuid comes back owned by root and still setuid.
        _chown_tree(workspace, os.getuid(), os.getgid())


def _chown_tree(workspace: Path, uid: int, gid: int) -> None:
    os.lchown(workspace, uid, gid)
    for top, dirs, files in os.walk(workspace):
        if top == str(workspace) and GIT_DIR in dirs:
            dirs.remove(GIT_DIR)
            files = [name for name in files if name != GIT_DIR]
        for name in (*dirs, *files):
            os.lchown(os.path.join(top, name), uid, gid)
