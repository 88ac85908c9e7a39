"""The reviewer's diff scan on real git: every commit a merge would carry, by file and line."""

from __future__ import annotations

import uuid
from pathlib import Path

from adapters.forge import git
from core.contracts import SecretLeak
from core.diff_scan import scan_diff
from core.known_secrets import KnownSecrets

HANDLE = "secret://shop/TOKEN"


async def commit(repo: git.Repo, tree: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text(text)
    await git.commit_all(repo, message)


async def test_a_value_added_then_removed_on_the_branch_is_still_found(tmp_path: Path) -> None:
    value = f"tok-{uuid.uuid4().hex}"
    known = KnownSecrets()
    known.add(value, HANDLE)
    tree = tmp_path / "repo"
    repo = await git.init(tree)
    await commit(repo, tree, {"app.py": "print('hi')\n", "old.txt": f"x\n{value}\n"}, "base")
    await git.checkout_new_branch(repo, "task/x")
    await commit(repo, tree, {"app.py": f"print('hi')\n\nTOKEN = '{value}'\n"}, "add token")
    await commit(repo, tree, {"app.py": "print('hi')\n", "old.txt": "x\n"}, "oops, remove it")

    net = await git.diff(repo, "main", "task/x")
    every_commit = await git.commit_patches(repo, "main", "task/x")

    # The branch's end state shows nothing (and removing old.txt's line is no leak) ...
    assert scan_diff(net, known) == []
    # ... but its history, which a merge brings into main, does.
    assert scan_diff(every_commit, known) == [SecretLeak("app.py", 3, HANDLE)]
    assert str(SecretLeak("app.py", 3, HANDLE)) == f"app.py:3 holds the value of {HANDLE}"


def test_a_multi_line_value_is_found_at_the_line_it_starts_and_hunks_count_lines() -> None:
    pem = "-----BEGIN KEY-----\nMIIBOgIBAAJBAK\n-----END KEY-----"
    known = KnownSecrets()
    known.add(pem, "secret://shop/PEM")
    diff = "\n".join(
        [
            "diff --git a/keys/k.pem b/keys/k.pem",
            "--- a/keys/k.pem",
            "+++ b/keys/k.pem",
            "@@ -10,3 +10,6 @@ header",
            " context",
            "-removed",
            "+-----BEGIN KEY-----",
            "+MIIBOgIBAAJBAK",
            "+-----END KEY-----",
            " more",
        ]
    )
    assert scan_diff(diff, known) == [SecretLeak("keys/k.pem", 11, "secret://shop/PEM")]
