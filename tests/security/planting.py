"""What a hostile command in the sandbox writes to make host git run it (test helpers).

Each vector is a shell script run at the root of a work tree. It writes `.git/evil.sh`,
which touches a marker file outside the tree, and wires it into git one way or another.
The script names the host paths of both, as an attacker who knows the layout would; it
appends to `.git/config` so it plants into a real git dir as well as into a fresh one.
"""

from __future__ import annotations

import shlex
from pathlib import Path

# name -> the lines that wire `$EVIL` into git
VECTORS: dict[str, str] = {
    "post-commit hook": "cp .git/evil.sh .git/hooks/post-commit",
    "reference-transaction hook": "cp .git/evil.sh .git/hooks/reference-transaction",
    "pre-push hook": "cp .git/evil.sh .git/hooks/pre-push",
    "core.fsmonitor": 'printf "[core]\\n\\tfsmonitor = %s\\n" "$EVIL" >> .git/config',
    "remote.origin.receivepack": (
        'printf "[remote \\"origin\\"]\\n\\treceivepack = %s\\n" "$EVIL" >> .git/config'
    ),
    ".gitattributes filter and textconv": (
        'printf "* filter=evil diff=evil merge=evil\\n" > .gitattributes\n'
        "cp .gitattributes .git/info/attributes\n"
        'printf "[filter \\"evil\\"]\\n\\tclean = %s\\n\\tsmudge = %s\\n\\trequired = true\\n'
        '[diff \\"evil\\"]\\n\\ttextconv = %s\\n[merge \\"evil\\"]\\n\\tdriver = %s\\n"'
        ' "$EVIL" "$EVIL" "$EVIL" "$EVIL" >> .git/config'
    ),
}


def plant_script(vector: str, *, tree: Path, marker: Path) -> str:
    evil = tree / ".git" / "evil.sh"
    body = f"#!/bin/sh\ntouch {shlex.quote(str(marker))}\necho filtered\n"
    return "\n".join(
        [
            "set -e",
            f"EVIL={shlex.quote(str(evil))}",
            "mkdir -p .git/hooks .git/info",
            f"printf %s {shlex.quote(body)} > .git/evil.sh",
            "chmod +x .git/evil.sh",
            VECTORS[vector],
        ]
    )
