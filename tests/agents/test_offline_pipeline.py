"""The offline model drives the whole agent pipeline to a service that really runs."""

from __future__ import annotations

import asyncio
import difflib
import json
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel

from adapters.llm.base import ChatMessage, ModelReply, ToolCall, ToolSpec
from adapters.sandbox.process import ProcessSandbox
from agents.coding_agent import run_coding_agent
from agents.offline_model import OfflineModel
from agents.prompts import (
    architect_messages,
    brainstorm_messages,
    developer_messages,
    reviewer_messages,
)
from agents.scaffold import render_scaffold
from agents.schemas import ProjectSpec, ReviewVerdict, TaskPlan
from agents.structured import ask_structured
from core.child_env import child_environment
from core.errors import StructuredOutputFailed


class ScriptedModel:
    """Stands in for an external provider: answers from a fixed script, records requests."""

    label = "scripted"

    def __init__(self, contents: Sequence[str] = (), calls: Sequence[ToolCall] = ()) -> None:
        self.contents = list(contents)
        self.calls = list(calls)
        self.requests: list[list[ChatMessage]] = []

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        tools: list[ToolSpec] | None = None,
        response_format: type[BaseModel] | None = None,
    ) -> ModelReply:
        self.requests.append(list(messages))
        if tools:
            call = self.calls.pop(0) if self.calls else ToolCall("loop", "list_files", {})
            return ModelReply("", tool_calls=(call,))
        return ModelReply(self.contents.pop(0))


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content)


def new_file_diff(root: Path, paths: list[str]) -> str:
    lines: list[str] = []
    for rel in paths:
        body = (root / rel).read_text().splitlines(keepends=True)
        lines += difflib.unified_diff([], body, "/dev/null", f"b/{rel}")
    return "".join(lines)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_idea_to_running_service(tmp_path: Path) -> None:
    model, sandbox = OfflineModel(), ProcessSandbox()
    spec, _ = await ask_structured(
        model, brainstorm_messages("Weather bot with notifications"), ProjectSpec
    )
    assert (spec.name, spec.feature.resource) == ("weather-bot-with-notifications", "weather")
    plan, _ = await ask_structured(model, architect_messages(spec), TaskPlan)
    assert [t.key for t in plan.tasks] == ["health", "index", "weather"]
    owned = [f for t in plan.tasks for f in t.files]
    assert len(owned) == len(set(owned)), "tasks must own disjoint files"

    scaffold = render_scaffold(spec)
    assert "# Weather bot with notifications" in scaffold["README.md"]
    merged = tmp_path / "merged"
    write_files(merged, scaffold)
    for task in plan.tasks:
        workspace = tmp_path / task.key  # one checkout per parallel developer
        write_files(workspace, scaffold)
        steps: list[str] = []
        result = await run_coding_agent(
            model=model,
            sandbox=sandbox,
            workspace=workspace,
            messages=developer_messages(spec, task),
            on_step=steps.append,
        )
        assert result.finished, result.summary
        assert "tests pass" in result.summary
        assert result.files_written == task.files
        assert result.last_test is not None and result.last_test.ok, result.last_test
        assert len(steps) == result.steps == 4
        assert sum(r.usage.prompt_tokens for r in result.replies) > 0

        diff = new_file_diff(workspace, result.files_written)
        report = result.last_test.stdout + result.last_test.stderr
        verdict, _ = await ask_structured(
            model, reviewer_messages(spec, task, diff, report), ReviewVerdict
        )
        assert verdict.approved, verdict.comments
        write_files(merged, {f: (workspace / f).read_text() for f in result.files_written})

    suite = await sandbox.run(merged, "python3 -m unittest discover -s tests -v")
    assert suite.ok and "Ran 5 tests" in suite.stderr, suite.stderr
    await check_live_service(merged, spec)


async def check_live_service(root: Path, spec: ProjectSpec) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "server.py", "--port", str(port), cwd=root, env=child_environment()
    )
    path = f"/{spec.feature.resource}"
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(100):
                try:
                    health = await client.get("/health")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            assert health.status_code == 200 and health.json() == {"status": "ok"}
            assert (await client.get("/")).json()["name"] == spec.name
            assert (await client.get(path)).json() == {"items": []}
            created = await client.post(path, json={"city": "Oslo"})
            assert created.status_code == 201
            assert (await client.get(path)).json() == {"items": [{"city": "Oslo", "id": 1}]}
            assert (await client.post(path, content=b"{oops")).status_code == 400
            missing = await client.get("/nope")
            assert missing.status_code == 404 and "error" in missing.json()
    finally:
        proc.terminate()
        await proc.wait()


@pytest.mark.parametrize(
    ("idea", "name", "resource"),
    [
        ("A simple todo app", "a-simple-todo-app", "todo"),
        ("Telegram bot for tracking my running workouts!", "telegram-bot-for-tracking", "tracking"),
        ("42 ways to cook pasta", "app-42-ways-to-cook", "ways"),
    ],
)
async def test_offline_spec_is_valid_for_any_idea(idea: str, name: str, resource: str) -> None:
    spec, _ = await ask_structured(OfflineModel(), brainstorm_messages(idea), ProjectSpec)
    assert spec.feature.resource == resource
    assert spec.name == name
    assert any(f"POST /{resource}" in r for r in spec.requirements)


async def test_offline_spec_for_non_latin_idea() -> None:
    spec, _ = await ask_structured(OfflineModel(), brainstorm_messages("Бот погоды"), ProjectSpec)
    assert spec.name.startswith("project-") and spec.feature.resource == "items"
    assert spec.title == "Бот погоды"


async def test_offline_reviewer_rejects_failures_and_empty_diffs() -> None:
    spec, _ = await ask_structured(OfflineModel(), brainstorm_messages("notes"), ProjectSpec)
    task = (await ask_structured(OfflineModel(), architect_messages(spec), TaskPlan))[0].tasks[0]
    failing = "test_x (tests.test_health.HealthTest) ... FAIL\n\nFAILED (failures=1)"
    verdict, _ = await ask_structured(
        OfflineModel(), reviewer_messages(spec, task, "+++ b/x.py\n+x", failing), ReviewVerdict
    )
    assert not verdict.approved and "FAILED (failures=1)" in verdict.comments
    verdict, _ = await ask_structured(
        OfflineModel(), reviewer_messages(spec, task, "", "Ran 1 test\n\nOK"), ReviewVerdict
    )
    assert not verdict.approved and "diff is empty" in verdict.comments


async def test_structured_output_retries_once_with_the_error() -> None:
    model = ScriptedModel(
        ["sure! here it is", '```json\n{"approved": false, "comments": "x"}\n```']
    )
    verdict, replies = await ask_structured(model, [ChatMessage("user", "review")], ReviewVerdict)
    assert verdict == ReviewVerdict(approved=False, comments="x")
    assert len(replies) == 2
    correction = model.requests[1][-1]
    assert correction.role == "user" and "not a valid ReviewVerdict" in correction.content


async def test_structured_output_gives_up_after_its_bounded_bad_answers() -> None:
    model = ScriptedModel(["nope", "still nope", json.dumps({"approved": "maybe"})])
    with pytest.raises(StructuredOutputFailed) as info:
        await ask_structured(model, [ChatMessage("user", "review")], ReviewVerdict)
    message = str(info.value)
    assert "valid ReviewVerdict after 3 attempts (each shown the error)" in message
    # Every ask after the first showed the model its previous error.
    assert "not a valid ReviewVerdict JSON object" in model.requests[2][-1].content
    assert "approved: Input should be a valid boolean" in message
    assert "comments: Field required" in message


async def test_coding_agent_refuses_path_escapes(tmp_path: Path) -> None:
    workspace, outside = tmp_path / "ws", tmp_path / "outside"
    workspace.mkdir()
    outside.mkdir()
    (workspace / "link").symlink_to(outside)
    attempts = [
        ToolCall("1", "write_file", {"path": "../escape.txt", "content": "x"}),
        ToolCall("2", "write_file", {"path": str(outside / "abs.txt"), "content": "x"}),
        ToolCall("3", "write_file", {"path": "link/through.txt", "content": "x"}),
        ToolCall("4", "read_file", {"path": "../../../../etc/passwd"}),
        ToolCall("5", "write_file", {"path": ".git/config", "content": "x"}),
        ToolCall("6", "write_file", {"path": "a.py"}),
        ToolCall("7", "delete_everything", {}),
        ToolCall("8", "write_file", {"path": "sub/../ok.txt", "content": "fine"}),
        ToolCall("9", "finish", {"summary": "tried"}),
    ]
    model = ScriptedModel(calls=attempts)
    result = await run_coding_agent(
        model=model, sandbox=ProcessSandbox(), workspace=workspace, messages=[]
    )
    tool_results = [m.content for m in model.requests[-1] if m.role == "tool"]
    assert all(r.startswith("error:") for r in tool_results[:7]), tool_results
    assert "unknown tool 'delete_everything'" in tool_results[6]
    assert tool_results[7] == "wrote ok.txt (4 characters)"
    assert list(outside.iterdir()) == [] and not (tmp_path / "escape.txt").exists()
    assert (result.finished, result.summary, result.files_written) == (True, "tried", ["ok.txt"])


async def test_coding_agent_stops_within_max_steps(tmp_path: Path) -> None:
    result = await run_coding_agent(
        model=ScriptedModel(),
        sandbox=ProcessSandbox(),
        workspace=tmp_path,
        messages=[],
        max_steps=3,
    )
    # The scripted model repeats one call, so this session ends as a loop at its 3rd step.
    assert not result.finished and result.steps == 3
    assert result.stop == "loop" and "list_files" in result.summary


def test_offline_reviewer_marks_changes_to_existing_code_as_breaking() -> None:
    from agents.offline_model import review

    report = "<test_report>\nexit code 0: tests PASSED\nOK\n</test_report>"
    added = "<diff>\n+++ b/routes/x.py\n+ROUTES = {}\n</diff>"
    changed = "<diff>\n--- a/routes/x.py\n+++ b/routes/x.py\n-old = 1\n+new = 2\n</diff>"
    assert review(f"{report}\n{added}").breaking_change is False
    verdict = review(f"{report}\n{changed}")
    assert verdict.approved and verdict.breaking_change
    assert "breaking" in verdict.comments
