"""Short-lived git credentials handed to one git process through an inherited pipe.

A forge token must reach `git push` without ever being written where someone else can read
it later: not in the URL (it would land in `remote.origin.url`, error messages and workflow
history), not in argv (`/proc/<pid>/cmdline` is world-readable), not in a child's environment
(`/proc/<pid>/environ`, and every grandchild inherits it), not in a file or git config. So the
parent writes `username=…\\npassword=…\\n` into a pipe, closes its end, and passes the read
end (fd N) to git; git's configured helper is `!f() { test "$1" = get && cat /dev/fd/N; }; f`
(a path, since dash redirects only fds 0-9).
Only the text "read fd N" is in git's config parameters; the value lives in the pipe's kernel
buffer until git's helper reads it (once: git keeps it in memory for the rest of the
command), and the pipe dies with the process. `credential.helper=` first empties the list,
so no helper from a system or global config (`store`, `cache`) ever sees or keeps the token.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from core.errors import InvalidInput


@dataclass(frozen=True)
class GitCredential:
    username: str
    password: str = field(repr=False)  # never in a repr, a log line or a traceback's locals

    def __post_init__(self) -> None:
        # The credential protocol is line-based: a newline would let a value add attributes.
        for part in (self.username, self.password):
            if not part or any(c in part for c in "\n\r\x00"):
                raise InvalidInput("a git credential must be one non-empty line")


@contextmanager
def credential_pipe(
    credential: GitCredential | None,
) -> Iterator[tuple[list[str], tuple[int, ...]]]:
    """(git `-c` arguments, fds to pass) for one git process; nothing when no credential."""
    if credential is None:
        yield [], ()
        return
    read_end, write_end = os.pipe()
    try:
        # Far below the pipe's buffer (64 KiB), so this never blocks before git reads it.
        os.write(
            write_end, f"username={credential.username}\npassword={credential.password}\n".encode()
        )
        os.close(write_end)
        write_end = -1
        helper = f'!f() {{ test "$1" = get && cat /dev/fd/{read_end}; }}; f'
        yield ["-c", f"credential.helper={helper}"], (read_end,)
    finally:
        os.close(read_end)
        if write_end != -1:
            os.close(write_end)
