"""The environment every child process starts with: an allowlist, never a copy of ours.

The orchestrator's own environment holds the operator's keys (LLM_API_KEY, FORGE_GITHUB_TOKEN,
TELEGRAM_BOT_TOKEN, DATABASE_URL with its password, ...). A child that inherits it carries them
in /proc/<pid>/environ and passes them on: to the Temporal server, to ansible-runner (which
writes its whole environment into artifacts/<ident>/command), and to the deployed service, whose
code a model wrote. A denylist would miss the next key someone adds, so children get only the
names below plus what the caller passes explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# Where to find programs, whose home and temp dir to use, how to read text and time:
# what any Unix program may reasonably expect, and nothing that grants access to anything.
PASSED_THROUGH: frozenset[str] = frozenset(
    {
        "PATH",
        "HOME",
        "TMPDIR",
        "TZ",
        "LANG",
        "LANGUAGE",
        "LC_ALL",
        "LC_ADDRESS",
        "LC_COLLATE",
        "LC_CTYPE",
        "LC_IDENTIFICATION",
        "LC_MEASUREMENT",
        "LC_MESSAGES",
        "LC_MONETARY",
        "LC_NAME",
        "LC_NUMERIC",
        "LC_PAPER",
        "LC_TELEPHONE",
        "LC_TIME",
    }
)


def child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Our values of PASSED_THROUGH, then `extra` on top: the whole environment of a child.

    Reads os.environ when called, never at import (ARCHITECTURE principle 6).
    """
    env = {name: value for name, value in os.environ.items() if name in PASSED_THROUGH}
    # An exec'd program without PATH falls back to a libc default that differs between libcs.
    env.setdefault("PATH", os.defpath)
    if extra:
        env.update(extra)
    return env
