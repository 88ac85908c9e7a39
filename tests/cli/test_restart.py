"""The whole embedded stack stopped mid-run and started again on the same files: nothing lost."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path

import httpx

from bench.embedded_stack import free_port_block
from tests.cli.test_up import ORCHESTRATOR, free_port, up_env, wait_healthy

ITEM_ID = re.compile(r"\b(a-[0-9a-f]{12}-\d+)\b")


def run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [ORCHESTRATOR, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def wait_for_approval(env: dict[str, str]) -> str:
    for _ in range(240):
        if found := ITEM_ID.search(run(env, "inbox")):
            return found.group(1)
        time.sleep(0.5)
    raise AssertionError("no approval showed up in the inbox")


def test_a_run_survives_the_embedded_server_being_stopped_and_restarted(tmp_path: Path):
    ports = free_port_block(3)
    env = {
        **up_env(tmp_path, free_port(), free_port(), free_port()),
        "COLUMNS": "250",
        "DEPLOY_PORT_RANGE_START": str(ports),
        "DEPLOY_PORT_RANGE_END": str(ports + 2),
    }
    api = f"http://127.0.0.1:{env['API_PORT']}/health"
    log = (tmp_path / "up.log").open("ab")
    stack = subprocess.Popen([ORCHESTRATOR, "up"], env=env, stdout=log, stderr=log)
    try:
        wait_healthy(api, stack)
        project_id = re.search(
            r"project (\w+) started",
            run(env, "new", "Weather bot with notifications", "--gate", "deploy"),
        ).group(1)  # type: ignore[union-attr]
        gate = wait_for_approval(env)  # mid-run: everything before the deploy is done

        stack.send_signal(signal.SIGTERM)  # Temporal, the worker and the API all stop
        assert stack.wait(timeout=30) == 0

        stack = subprocess.Popen([ORCHESTRATOR, "up"], env=env, stdout=log, stderr=log)
        wait_healthy(api, stack)
        run(env, "answer", gate, "--approve")
        for _ in range(240):
            status = run(env, "status", project_id)
            if "completed" in status.splitlines()[1]:
                break
            time.sleep(0.5)
        else:
            raise AssertionError(status)
        live = re.search(r"http://127\.0\.0\.1:\d+", status.split("live", 1)[1]).group(0)  # type: ignore[union-attr]
        assert httpx.get(f"{live}/health", timeout=5).status_code == 200
        events = run(env, "events", project_id)
        assert events.count("stage_completed") == 6
    finally:
        stack.send_signal(signal.SIGTERM)
        stack.wait(timeout=30)
        subprocess.run(
            [ORCHESTRATOR, "down"], env=env, capture_output=True, timeout=30, check=False
        )
        for pid_file in tmp_path.glob("releases/*/run/service.pid"):
            subprocess.run(["kill", pid_file.read_text().strip()], check=False)
