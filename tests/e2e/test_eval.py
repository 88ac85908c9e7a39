"""`orchestrator eval` as a person runs it, against a real stack: dev-server Temporal, the
worker with the offline model, git forge, bubblewrap and Ansible deploys."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from core.settings import DatabaseSettings
from services.releases import ReleaseServices
from tests.db.conftest import PG_ADMIN_DSN
from tests.db.conftest import _create_pg_database as create_pg_database
from tests.db.conftest import _drop_pg_database as drop_pg_database
from tests.stack import Stack, open_stack, stack_settings
from worker.composition import build_worker

ORCHESTRATOR = str(Path(sys.executable).parent / "orchestrator")


async def run_eval(stack: Stack, *args: str) -> tuple[int, str, dict[str, Any]]:
    """The command's exit code and output, and the JSON report it saved."""
    settings = stack.settings
    environment = {
        **os.environ,
        "ORCHESTRATOR_HOME": str(settings.home),
        "TEMPORAL_ADDRESS": stack.client.service_client.config.target_host,
        "TEMPORAL_TASK_QUEUE": settings.temporal.task_queue,
        "DATABASE_URL": settings.database.url,
        "COLUMNS": "250",
    }
    worker: Worker = build_worker(stack.client, settings, stack.sessions)
    async with worker:
        process = await asyncio.create_subprocess_exec(
            ORCHESTRATOR,
            "eval",
            *args,
            env=environment,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(process.communicate(), timeout=600)
    saved = sorted(settings.evals_dir.glob("*.json"))
    assert len(saved) == 1, out.decode()
    assert process.returncode is not None
    return process.returncode, out.decode(), json.loads(saved[0].read_text())


@pytest.fixture
async def pg_stack(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Stack]:
    """The stack on PostgreSQL, as production runs it (the failing-check test uses SQLite)."""
    name = await create_pg_database()
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    settings = stack_settings(tmp_path / "home", f"e2e-{uuid.uuid4()}")
    settings = settings.model_copy(update={"database": DatabaseSettings(url=f"{base}/{name}")})
    try:
        async with open_stack(dev_env, settings) as opened:
            yield opened
    finally:
        await drop_pg_database(name)


async def test_the_smoke_suite_scores_two_of_two_on_the_offline_model(pg_stack: Stack) -> None:
    stack = pg_stack
    code, out, report = await run_eval(stack, "smoke", "--parallel", "2")

    assert code == 0, out
    assert "success rate 2/2 (100%)" in out
    assert (report["suite"], report["model"], report["parallel"]) == ("smoke", "offline model", 2)
    assert (report["passed"], report["total"], report["success_rate"]) == (2, 2, 1.0)
    by_name = {idea["name"]: idea for idea in report["ideas"]}
    assert set(by_name) == {"recipes", "plant-diary"}
    for idea in by_name.values():
        assert idea["success"] and idea["reason"] == "", idea
        assert idea["model"] == "offline model"
        assert idea["status"] == "completed" and idea["deployed"] and idea["healthy"]
        assert idea["tests_passed"] and "exit code 0" in idea["tests_summary"], idea
        assert [c["passed"] for c in idea["checks"]] == [True] * 5, idea["checks"]
        assert idea["prompt_tokens"] > 0 and idea["tokens"] > idea["prompt_tokens"]
        assert idea["cost_usd"] == 0.0, "the offline model is priced at nothing"
        assert 0 < idea["wall_s"] < report["wall_s"] + 1
    # The vague idea's question was answered from the suite, as the owner would have.
    plant = await stack.services.get(by_name["plant-diary"]["project_id"])
    assert plant.spec is not None
    assert any("last watered" in r for r in plant.spec["requirements"]), plant.spec
    # Measured, then stopped: an eval leaves no service of its ideas running (health_checker
    # leaves a stopped release alone, and `orchestrator start` brings it back).
    for idea in by_name.values():
        releases = await ReleaseServices(stack.services).list(idea["project_id"])
        assert [(r.number, r.serving) for r in releases] == [(1, "stopped")], releases


async def test_a_failing_behaviour_check_fails_its_idea_with_the_reason(
    stack: Stack, tmp_path: Path
) -> None:
    suite = tmp_path / "strict.yaml"
    suite.write_text(
        "name: strict\n"
        "ideas:\n"
        "  - name: bookmarks\n"
        "    idea: Bookmarks service for saving links with tags\n"
        "    checks:\n"
        "      - {name: health, path: /health, json: {status: ok}}\n"
        "      - {name: add one, method: POST, path: /bookmarks, body: {url: x}, status: 200}\n"
        "      - {name: has a search, path: /bookmarks/search, status: 200}\n"
    )
    code, out, report = await run_eval(stack, str(suite))

    assert code == 1, out
    assert "success rate 0/1 (0%)" in out
    [idea] = report["ideas"]
    assert idea["deployed"] and idea["healthy"] and idea["tests_passed"], idea
    assert not idea["success"] and not idea["checks_passed"]
    checks = {c["name"]: c for c in idea["checks"]}
    assert checks["health"]["passed"]
    assert checks["add one"]["reason"].startswith("status 201, expected 200")
    assert checks["has a search"]["reason"].startswith("status 404, expected 200")
    assert idea["reason"].startswith("add one: status 201, expected 200")
    assert "has a search: status 404" in idea["reason"]
