"""Pid files after a crash: our own leftovers are replaced, anyone else's process is left alone."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench.embedded_stack import ORCHESTRATOR, EmbeddedStack, free_port, pid_alive
from cli.embedded_temporal import EmbeddedTemporal
from core.pid_files import PidFile
from core.settings import Settings, TemporalSettings


def bystander() -> subprocess.Popen[bytes]:
    """An unrelated process that happens to hold the pid a stale file names."""
    return subprocess.Popen(["sleep", "120"])


def orchestrator(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ORCHESTRATOR, *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_down_does_not_signal_a_process_that_took_over_a_stale_pid(tmp_path: Path):
    stack = EmbeddedStack(tmp_path)
    other = bystander()
    try:
        # What a crash leaves: the file names a pid that now belongs to someone else.
        (tmp_path / "stack.pid").write_text(f"{other.pid} 12345\n")
        result = orchestrator(stack.env, "down")
        assert "no running stack found" in result.stdout
        assert other.poll() is None, "down signalled an unrelated process"
        assert not (tmp_path / "stack.pid").exists()
    finally:
        other.kill()


def test_up_replaces_a_temporal_server_left_over_from_its_own_data_dir(tmp_path: Path):
    stack = EmbeddedStack(tmp_path)
    settings = Settings(
        home=tmp_path,
        temporal=TemporalSettings(
            embedded_port=int(stack.env["TEMPORAL_EMBEDDED_PORT"]),
            ui_port=int(stack.env["TEMPORAL_UI_PORT"]),
        ),
    )
    # An orphan as an older version left it: own session, no parent-death signal.
    leftover = subprocess.Popen(
        EmbeddedTemporal(settings).command(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    PidFile(tmp_path / "temporal.pid").record(leftover.pid)
    try:
        stack.start()
        stack.wait_healthy()
        assert leftover.wait(timeout=15) is not None, "the leftover server still runs"
        assert stack.temporal_pid() not in (None, leftover.pid)
    finally:
        stack.stop()
        if leftover.poll() is None:
            leftover.kill()


def test_up_never_kills_a_stranger_named_by_its_pid_file(tmp_path: Path):
    stack = EmbeddedStack(tmp_path)
    other = bystander()
    try:
        PidFile(tmp_path / "temporal.pid").record(other.pid)  # alive, but not our server
        stack.start()
        stack.wait_healthy()
        assert other.poll() is None, "up killed a process it did not start"
        assert pid_alive(other.pid)
    finally:
        stack.stop()
        other.kill()


def test_a_second_up_on_the_same_data_dir_is_refused(tmp_path: Path):
    stack = EmbeddedStack(tmp_path)
    try:
        stack.start()
        stack.wait_healthy()
        second = orchestrator({**stack.env, "API_PORT": str(free_port())}, "up")
        assert second.returncode == 1
        assert "a stack already runs for" in second.stdout + second.stderr
        stack.wait_healthy()  # the first one is untouched
    finally:
        stack.stop()
