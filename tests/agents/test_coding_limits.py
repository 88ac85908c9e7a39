"""The coding agent stops at its task's limits (steps, tokens, a loop) and says why."""

from __future__ import annotations

from pathlib import Path

from adapters.llm.base import ChatMessage, ToolCall
from adapters.sandbox.process import ProcessSandbox
from agents.coding_agent import run_coding_agent
from agents.coding_limits import CodingLimits
from agents.transcript import Transcript, read_transcript
from core.known_secrets import KNOWN_SECRETS
from tests.agents.scripted_model import ScriptedToolModel

BRIEF = [ChatMessage("system", "You are a developer."), ChatMessage("user", "Build it.")]


def new_file_each_step(step: int) -> ToolCall:
    """Real progress every step (a new file), so only the step limit can stop it."""
    return ToolCall(f"c{step}", "write_file", {"path": f"f{step}.txt", "content": str(step)})


async def test_a_busy_agent_stops_at_the_step_limit_with_a_report(tmp_path: Path) -> None:
    transcript = Transcript(tmp_path / "t" / "task.jsonl")
    result = await run_coding_agent(
        model=ScriptedToolModel(new_file_each_step),
        sandbox=ProcessSandbox(),
        workspace=tmp_path / "ws",
        messages=BRIEF,
        limits=CodingLimits(max_steps=4),
        transcript=transcript,
    )

    assert (result.finished, result.stop, result.steps) == (False, "step_limit", 4)
    assert "Stopped after 4 steps without calling finish" in result.summary
    assert "CODING_MAX_STEPS" in result.summary
    assert result.files_written == ["f1.txt", "f2.txt", "f3.txt", "f4.txt"]
    entries = read_transcript(transcript.path)
    assert [e["role"] for e in entries[:2]] == ["system", "user"]
    assert sum(1 for e in entries if e["role"] == "assistant") == 4
    assert entries[-1] == {
        "step": 4,
        "role": "orchestrator",
        "stop": "step_limit",
        "report": result.summary,
        "tokens": 40,
    }


async def test_an_agent_repeating_itself_stops_as_a_loop(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    same = ToolCall("again", "run_command", {"command": "echo still here"})
    model = ScriptedToolModel(lambda step: same)
    steps: list[str] = []
    result = await run_coding_agent(
        model=model,
        sandbox=ProcessSandbox(),
        workspace=tmp_path / "ws",
        messages=BRIEF,
        limits=CodingLimits(max_steps=25, loop_repeats=3),
        on_step=steps.append,
    )

    assert (result.finished, result.stop, result.steps, model.requests) == (False, "loop", 3, 3)
    assert result.summary == (
        "Stopped in a loop: run_command echo still here was called 3 times with the same "
        "arguments and the same result (limit 3, CODING_LOOP_REPEATS)."
    )
    assert steps[-1] == result.summary, "the report reaches the task's progress log too"


async def test_the_same_call_with_a_new_result_is_progress_not_a_loop(tmp_path: Path) -> None:
    """Running the tests again after a fix is what a developer does; only a repeat that
    changed nothing counts."""
    (tmp_path / "ws").mkdir()

    def fix_then_test(step: int) -> ToolCall:
        if step % 2:
            return ToolCall(f"w{step}", "write_file", {"path": "n.txt", "content": str(step)})
        return ToolCall(f"r{step}", "run_command", {"command": "cat n.txt"})

    result = await run_coding_agent(
        model=ScriptedToolModel(fix_then_test),
        sandbox=ProcessSandbox(),
        workspace=tmp_path / "ws",
        messages=BRIEF,
        limits=CodingLimits(max_steps=10, loop_repeats=3),
    )
    assert result.stop == "step_limit" and result.steps == 10


async def test_an_agent_stops_at_the_token_limit(tmp_path: Path) -> None:
    result = await run_coding_agent(
        model=ScriptedToolModel(new_file_each_step, tokens_per_reply=400),
        sandbox=ProcessSandbox(),
        workspace=tmp_path / "ws",
        messages=BRIEF,
        limits=CodingLimits(max_steps=25, max_tokens=1000),
    )
    assert (result.stop, result.steps, result.tokens) == ("token_limit", 3, 1200)
    assert "Stopped at the token limit: 1200 tokens used in 3 steps" in result.summary
    assert result.files_written == ["f1.txt", "f2.txt"], "the over-limit reply is not acted on"


async def test_a_transcript_masks_secret_values_a_tool_read(tmp_path: Path) -> None:
    value = 's3cr3t-value-with-"quote"-and\nnewline'
    KNOWN_SECRETS.add(value, "secret://p/TOKEN")
    try:
        (tmp_path / "ws").mkdir()
        (tmp_path / "ws" / "config.txt").write_text(value)
        calls = [
            ToolCall("r", "read_file", {"path": "config.txt"}),
            ToolCall("f", "finish", {"summary": "read it"}),
        ]
        transcript = Transcript(tmp_path / "t.jsonl")
        result = await run_coding_agent(
            model=ScriptedToolModel(lambda step: calls[step - 1]),
            sandbox=ProcessSandbox(),
            workspace=tmp_path / "ws",
            messages=BRIEF,
            transcript=transcript,
        )
    finally:
        KNOWN_SECRETS.forget(value)
    assert result.finished and result.stop == "finished"
    text = transcript.path.read_text()
    assert "s3cr3t-value" not in text and "secret://p/TOKEN" in text
    assert oct(transcript.path.stat().st_mode & 0o777) == "0o600"
