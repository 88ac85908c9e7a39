"""The operator's keys stay in `orchestrator up`: no child process and no file it writes has them.

A real stack builds a project to a live release with LLM_API_KEY and FORGE_GITHUB_TOKEN set
(unused: the model is offline, the forge local), while every process below the stack is
sampled; then the deployed service and every byte under the data dir are searched.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
import uuid
from pathlib import Path

from bench.embedded_stack import free_port_block
from core.child_env import PASSED_THROUGH
from tests.cli.test_restart import run
from tests.cli.test_up import ORCHESTRATOR, free_port, up_env, wait_healthy
from tests.proc_env import TreeWatch, environ, files_holding


def operator_env(home: Path, planted: dict[str, str]) -> dict[str, str]:
    ports = free_port_block(3)
    # Whatever model or forge the machine running the tests names must not decide the test.
    inherited = {
        name: value
        for name, value in up_env(home, free_port(), free_port(), free_port()).items()
        if not name.startswith(("LLM_", "FORGE_"))
    }
    return {
        **inherited,
        **planted,
        "COLUMNS": "250",
        "DEPLOY_PORT_RANGE_START": str(ports),
        "DEPLOY_PORT_RANGE_END": str(ports + 2),
    }


def wait_completed(env: dict[str, str], project_id: str, timeout_s: float = 200) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = run(env, "status", project_id)
        if "completed" in status.splitlines()[1]:
            return status
        if "failed" in status.splitlines()[1]:
            raise AssertionError(status)
        time.sleep(0.5)
    raise AssertionError(f"project {project_id} did not complete: {status}")


def stop_services(home: Path) -> None:
    # service.sh starts each service with setsid: its pid is its process group.
    for pid_file in home.glob("releases/*/run/service.pid"):
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.killpg(int(pid_file.read_text().strip()), signal.SIGTERM)


def test_no_child_process_and_no_data_file_holds_the_operators_keys(tmp_path: Path) -> None:
    home = tmp_path / "home"
    planted = {
        "LLM_API_KEY": f"sk-planted-{uuid.uuid4().hex}",
        "FORGE_GITHUB_TOKEN": f"ghp_planted-{uuid.uuid4().hex}",
    }
    values = [value.encode() for value in planted.values()]
    env = operator_env(home, planted)
    (home / "logs").mkdir(parents=True)
    log = (home / "logs" / "up.log").open("ab")  # in the data dir: searched like the rest
    stack = subprocess.Popen([ORCHESTRATOR, "up"], env=env, stdout=log, stderr=log)
    try:
        with TreeWatch(stack.pid, values) as watch:
            wait_healthy(f"http://127.0.0.1:{env['API_PORT']}/health", stack)
            started = run(env, "new", "Weather bot with notifications")
            project_id = re.search(r"project (\w+) started", started).group(1)  # type: ignore[union-attr]
            wait_completed(env, project_id)
            watch.look()  # the long-lived children, once more now that all is done

        assert watch.leaks == {}, f"children holding a key: {watch.leaks}"
        # The walk reached the long-lived children (git and sandbox commands come and go).
        assert {"temporal", "ansible-runner"} <= set(watch.names()), list(watch.names())

        service_pids = [p.read_text().strip() for p in home.glob("releases/*/run/service.pid")]
        assert service_pids, "no deployed service to inspect"
        for pid in service_pids:
            service_env = environ(int(pid))
            assert service_env is not None, f"the deployed service {pid} is not running"
            names = {item.split(b"=", 1)[0].decode() for item in service_env.split(b"\0") if item}
            assert names <= PASSED_THROUGH | {"PORT"}, names  # what it needs, nothing more
            assert not [value for value in values if value in service_env]

        stack.send_signal(signal.SIGTERM)  # so the databases are flushed before they are read
        assert stack.wait(timeout=30) == 0
        log.flush()
        assert files_holding(home, values) == []
        # The keys were only planted: LLM_API_KEY alone must not have switched the model.
        assert "offline model" in (home / "logs" / "up.log").read_text()
    finally:
        if stack.poll() is None:
            stack.send_signal(signal.SIGTERM)
            stack.wait(timeout=30)
        log.close()
        stop_services(home)
