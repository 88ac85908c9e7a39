"""What a server needs from this side for one run, as files in the run's private directory.

The service's secrets and the release's source go to the server by Ansible's `copy` and
`unarchive` from these files: extravars name their paths only, so the values pass through no
ansible variable, job event or argv, and the server needs no access to the forge.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from adapters.deploy.env_file import encode_env
from adapters.deploy.ssh import write_private
from adapters.forge import git


async def remote_vars(
    private_dir: Path,
    *,
    secret_env: Mapping[str, str],
    reserved: frozenset[str],
    source: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Extravars naming the files; `source` (repository, commit) adds the release archive."""
    data = encode_env(secret_env, reserved)
    # Empty: the playbook removes the server's env file, as write_env_file does here.
    secrets = str(write_private(private_dir, "service.env", data)) if data else ""
    extravars: dict[str, Any] = {"secrets_src": secrets}
    if source is not None:
        extravars["release_archive"] = str(await _archive(private_dir, *source))
    return extravars


async def _archive(private_dir: Path, repository: str, commit: str) -> Path:
    """The commit's tree as a tar: from the repository if it is a directory here, else fetched."""
    bare = Path(repository)
    if not (bare / "HEAD").is_file():
        bare = private_dir / "source.git"
        await git.fetch_mirror(repository, bare)
    tar = private_dir / "release.tar"
    await git.run("archive", "--format=tar", "-o", str(tar), commit, repo=git.Repo.bare(bare))
    return tar
