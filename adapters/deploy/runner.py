"""Run one playbook with the `ansible-runner` CLI in a child process and read its artifacts.

Not `ansible_runner.run()` in our process: that seeds the job's environment with a copy of
os.environ, so the operator's keys would reach ansible-playbook, every module and the service
it starts, and be written in clear to artifacts/<ident>/command. In a child started with the
allowlisted environment, the copy it takes holds nothing of ours.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.child_life import die_with_parent

IDENT = "run"


@dataclass(frozen=True)
class RunnerResult:
    # ansible-runner's own status (successful, failed, timeout, canceled), or "error"
    # when the CLI ended without writing one.
    status: str
    rc: int
    events: list[dict[str, Any]]
    log_path: Path  # the playbook's stdout, or the CLI's own output if it never got that far

    @property
    def succeeded(self) -> bool:
        return self.status == "successful" and self.rc == 0


def runner_binary() -> Path:
    """The CLI installed with the ansible-runner package, next to our interpreter."""
    return Path(sys.executable).parent / "ansible-runner"


async def run_playbook(
    private_data_dir: Path,
    *,
    playbook: Path,
    inventory: str,
    extravars: Mapping[str, Any],
    env: Mapping[str, str],
) -> RunnerResult:
    """Run `playbook` to its end; `env` is the whole environment of ansible-runner."""
    _write_inputs(private_data_dir, inventory=inventory, extravars=extravars)
    cli_log = private_data_dir / "ansible-runner.log"
    with cli_log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            str(runner_binary()),
            "run",
            str(private_data_dir),
            "--project-dir",
            str(playbook.parent),
            "--playbook",
            playbook.name,
            "--ident",
            IDENT,
            "--quiet",
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            preexec_fn=die_with_parent(),  # a crashed worker's deploy must not go on alone
        )
        try:
            returncode = await proc.wait()
        except asyncio.CancelledError:
            # A cancelled deploy (or a worker shutting down) stops its playbook; the retry or
            # the rollback starts from what is on disk.
            await _stop(proc)
            raise
    return _read_artifacts(private_data_dir / "artifacts" / IDENT, returncode, cli_log)


async def _stop(proc: asyncio.subprocess.Process, grace_s: float = 5.0) -> None:
    if proc.returncode is not None:
        return
    proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), timeout=grace_s)
    except TimeoutError:
        proc.kill()
        await proc.wait()


def _write_inputs(private_data_dir: Path, *, inventory: str, extravars: Mapping[str, Any]) -> None:
    # The input layout ansible-runner documents for a private data dir.
    (private_data_dir / "env").mkdir(parents=True, exist_ok=True)
    (private_data_dir / "inventory").mkdir(exist_ok=True)
    (private_data_dir / "env" / "extravars").write_text(json.dumps(dict(extravars)))
    (private_data_dir / "inventory" / "hosts").write_text(inventory + "\n")


def _read_artifacts(artifacts: Path, returncode: int, cli_log: Path) -> RunnerResult:
    try:
        status = (artifacts / "status").read_text().strip()
        rc = int((artifacts / "rc").read_text().strip())
    except (FileNotFoundError, ValueError):
        return RunnerResult(status="error", rc=returncode or 1, events=[], log_path=cli_log)
    return RunnerResult(
        status=status,
        rc=rc,
        events=_events(artifacts / "job_events"),
        log_path=artifacts / "stdout",
    )


# <counter>-<uuid>.json, the counter giving the order; a playbook killed mid-event leaves
# <uuid>-partial.json behind, which ansible-runner's own reader skips too.
_EVENT_FILE = re.compile(r"^([0-9]+)-.+\.json$")


def _events(job_events: Path) -> list[dict[str, Any]]:
    numbered = [
        (int(match.group(1)), path)
        for path in job_events.glob("*.json")
        if (match := _EVENT_FILE.match(path.name))
    ]
    events = []
    for _, path in sorted(numbered):
        try:
            events.append(json.loads(path.read_text()))
        except (OSError, ValueError):  # half-written by a run that was killed
            continue
    return events
