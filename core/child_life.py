"""Children that die with us: a crash of the orchestrator must not leave them working.

A child left running after a kill -9 of its parent keeps doing what a retried attempt will
do again (an Ansible run deploying the same release, a Temporal server holding our ports).
The kernel's parent-death signal ends it with its parent, whatever the way the parent died.
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> Callable[[], None]:
    """A `preexec_fn` asking the kernel to SIGKILL the child when the calling process dies.

    The signal follows the thread that forked, so call this from the thread that will live
    as long as the child should (the event loop's).
    """
    parent_pid = os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before the fork, not in the child

    def hook() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent_pid:  # the parent died before the hook ran
            os._exit(1)

    return hook
