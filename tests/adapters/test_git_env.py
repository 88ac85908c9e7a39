"""The environment real git commands run with: the allowlist, never the orchestrator's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.forge import git


async def test_git_and_what_it_runs_see_no_orchestrator_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_API_KEY", "sk-git-env-secret")
    monkeypatch.setenv("FORGE_GITHUB_TOKEN", "ghp_git-env-secret")
    # Would redirect every command to another repository if it reached git.
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere.git"))
    repo = await git.init(tmp_path / "repo")

    # A shell alias runs as git's child, like a hook or a credential helper would.
    shown = await git.run("-c", "alias.showenv=!env", "showenv", repo=repo)

    names = {line.split("=", 1)[0] for line in shown.splitlines()}
    assert "secret" not in shown
    assert "LLM_API_KEY" not in names and "FORGE_GITHUB_TOKEN" not in names
    assert "GIT_TERMINAL_PROMPT=0" in shown.splitlines()
    assert not (tmp_path / "elsewhere.git").exists()
