"""Ask a server for its free memory and disk: one short Ansible run (infra/ansible/facts.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.deploy.ansible import failure_message, runner_env
from adapters.deploy.runner import run_playbook
from adapters.deploy.ssh import private_run_dir, ssh_inventory, write_key
from adapters.deploy.target import SshTarget


@dataclass(frozen=True)
class ServerFacts:
    reachable: bool
    message: str  # why it is unreachable, or a one-line summary
    free_disk_mb: int | None = None
    free_memory_mb: int | None = None


class FactsProbe:
    """Runs facts.yml against one server; never raises for an unreachable or broken host."""

    def __init__(
        self, *, playbooks_dir: Path, runtime_dir: Path, known_hosts: Path, disk_path: str
    ) -> None:
        self._playbook = playbooks_dir / "facts.yml"
        self._runtime_dir = runtime_dir
        self._known_hosts = known_hosts
        self._disk_path = disk_path  # free space is that of the mount holding it

    async def probe(self, target: SshTarget) -> ServerFacts:
        # The key and the runner's artifacts live in the private directory and go with it:
        # a check leaves nothing behind but the row it updates.
        with private_run_dir(self._runtime_dir) as private:
            key = write_key(private, target)
            result = await run_playbook(
                private / "runner",
                playbook=self._playbook,
                inventory=ssh_inventory(target, key_file=key, known_hosts=self._known_hosts),
                extravars={},
                env=runner_env(),
            )
            if not result.succeeded:
                why = failure_message(result.events, result.log_path, result.rc)
                return ServerFacts(False, f"{target.user}@{target.host}:{target.port}: {why}")
            stats = _custom_stats(result.events)
        disk = _free_disk_mb(stats.get("mounts") or [], self._disk_path)
        memory = _free_memory_mb(stats.get("memory") or {})
        return ServerFacts(True, f"{disk} MB disk, {memory} MB memory free", disk, memory)


def _custom_stats(events: list[dict[str, Any]]) -> dict[str, Any]:
    for event in reversed(events):
        if event.get("event") == "playbook_on_stats":
            return dict(event.get("event_data", {}).get("artifact_data") or {})
    return {}


def _free_disk_mb(mounts: list[dict[str, Any]], path: str) -> int | None:
    """Of the mount holding `path` (the longest mount point it lies under)."""
    holding = [
        m
        for m in mounts
        if path == m.get("mount") or path.startswith(str(m.get("mount")).rstrip("/") + "/")
    ]
    if not holding:
        return None
    best = max(holding, key=lambda m: len(str(m.get("mount"))))
    return int(best.get("size_available", 0)) // (1024 * 1024)


def _free_memory_mb(memory: dict[str, Any]) -> int | None:
    # "nocache": free plus what the page cache would give back, what a new service can use.
    free = (memory.get("nocache") or {}).get("free")
    if free is None:
        free = (memory.get("real") or {}).get("free")
    return int(free) if free is not None else None
