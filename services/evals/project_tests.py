"""The generated project's own tests, run in the sandbox against what main holds now."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from adapters.forge import git
from adapters.forge.base import Forge
from adapters.sandbox.base import Sandbox, SandboxOwner
from agents.scaffold import TEST_COMMAND
from agents.text import tail
from db.models import Project


@dataclass(frozen=True)
class TestRun:
    passed: bool
    summary: str  # the end of the output, or why nothing ran


async def run_project_tests(
    *, project: Project, forge: Forge, sandbox: Sandbox, workdir: Path, owner: str, timeout_s: float
) -> TestRun:
    name = project.config.get("repo_name")
    if not name:
        return TestRun(False, "the project has no repository")
    repo = await forge.find_repository(owner=project.config.get("repo_owner") or owner, name=name)
    if repo is None:
        return TestRun(False, f"repository {owner}/{name} not found on the forge")
    base = workdir / project.id
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    try:
        # The git dir beside the tree, never inside: the sandbox sees files only.
        await git.clone(
            repo.clone_url,
            base / "tree",
            git_dir=base / "git",
            branch=repo.default_branch,
            credential=await forge.git_credential(repo),
        )
        result = await sandbox.run(
            base / "tree",
            TEST_COMMAND,
            timeout_s=timeout_s,
            owner=SandboxOwner(tenant=project.tenant_id, project=project.id, task="eval-tests"),
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    output = (result.stdout + "\n" + result.stderr).strip()
    last = " | ".join(line for line in tail(output, 400).splitlines()[-3:] if line.strip())
    verdict = "timed out" if result.timed_out else f"exit code {result.exit_code}"
    return TestRun(result.ok, f"{verdict}: {last}")
