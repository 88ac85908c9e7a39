"""The built-in coding agent: a tool-calling loop over a sandboxed git checkout."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import structlog

from adapters.llm.base import ChatMessage, ChatModel, ModelReply, ToolCall, ToolSpec
from adapters.sandbox.base import CommandResult, Sandbox, SandboxOwner
from agents.coding_limits import CodingLimits, LimitWatch, Stop, describe
from agents.paid import attach_paid
from agents.patience import PATIENCE, Patience, complete_patiently
from agents.text import head, tail
from agents.transcript import Transcript
from core.vocabulary import CodingStop

log = structlog.get_logger(__name__)

MAX_FILE_CHARS = 200_000
MAX_OUTPUT_CHARS = 6_000
MAX_LISTED_FILES = 500
STEER_TO_TOOLS = "Use the tools; call `finish` when you are done."
_HIDDEN_DIRS = {".git", "__pycache__", ".venv", "node_modules", ".pytest_cache", ".mypy_cache"}


def _tool(name: str, description: str, **params: str) -> ToolSpec:
    return ToolSpec(
        name=name,
        description=description,
        parameters={
            "type": "object",
            "properties": {p: {"type": "string", "description": d} for p, d in params.items()},
            "required": list(params),
            "additionalProperties": False,
        },
    )


CODING_TOOLS: list[ToolSpec] = [
    _tool(
        "write_file",
        "Create or overwrite a file in the repository.",
        path="path relative to the repository root",
        content="the complete new file content",
    ),
    _tool("read_file", "Read a file of the repository.", path="path relative to the repo root"),
    _tool("list_files", "List the files of the repository (without .git)."),
    _tool(
        "run_command",
        "Run a shell command at the repository root in the sandbox (no network). "
        "Returns the exit code and the end of stdout/stderr.",
        command="the shell command, e.g. python3 -m unittest discover -s tests -v",
    ),
    _tool("finish", "Stop working and report.", summary="what you did and the test result"),
]


@dataclass
class CodingResult:
    finished: bool
    summary: str
    steps: int
    files_written: list[str] = field(default_factory=list)
    last_test: CommandResult | None = None
    replies: list[ModelReply] = field(default_factory=list)
    stop: CodingStop = "finished"
    tokens: int = 0


# Asked before each model call with the replies paid so far in the session: a report in
# words when the budget allows no further call, else None (the activity records and checks).
BudgetCheck = Callable[[Sequence[ModelReply]], Awaitable[str | None]]


class ToolError(Exception):
    """Reported back to the model as the tool result; the model may correct itself."""


async def run_coding_agent(
    *,
    model: ChatModel,
    sandbox: Sandbox,
    workspace: Path,
    messages: list[ChatMessage],
    max_steps: int | None = None,
    limits: CodingLimits | None = None,
    transcript: Transcript | None = None,
    on_step: Callable[[str], None] | None = None,
    command_timeout_s: float = 300.0,
    owner: SandboxOwner | None = None,
    patience: Patience = PATIENCE,
    budget: BudgetCheck | None = None,
) -> CodingResult:
    """Loop model -> tool calls -> tool results until `finish` or a limit stops the session
    (steps, tokens, a loop, the budget before a step); the result says which, in words.

    A provider's passing fault is waited out (`patience`); an error that still ends the
    session carries the replies paid so far (agents/paid.py)."""
    limits = limits or CodingLimits()
    if max_steps is not None:
        limits = replace(limits, max_steps=max_steps)
    tools = _Workspace(sandbox, workspace, command_timeout_s, owner)
    session = _Session(model, tools, LimitWatch(limits), transcript, patience, budget)
    for message in messages:
        session.remember(message)
    try:
        stop = await session.run(on_step)
    except BaseException as err:  # a cancel too: the steps before it were paid
        attach_paid(err, session.result.replies)
        raise
    result = session.result
    result.tokens = session.watch.tokens
    if stop is not None:
        result.stop, result.summary = stop.reason, stop.report
        _report(on_step, stop.report)
    if transcript is not None:
        transcript.stop(result.steps, result.stop, result.summary, result.tokens)
    result.files_written = session.tools.files_written
    result.last_test = session.tools.last_test
    log.info(
        "coding_agent_done",
        model=model.label,
        stop=result.stop,
        steps=result.steps,
        tokens=result.tokens,
        files=len(result.files_written),
    )
    return result


class _Session:
    """One conversation with the model over one workspace."""

    def __init__(
        self,
        model: ChatModel,
        tools: _Workspace,
        watch: LimitWatch,
        transcript: Transcript | None,
        patience: Patience,
        budget: BudgetCheck | None = None,
    ) -> None:
        self.model = model
        self.patience = patience
        self.budget = budget
        self.tools = tools
        self.watch = watch
        self.transcript = transcript
        self.history: list[ChatMessage] = []
        self.result = CodingResult(finished=False, summary="", steps=0)

    def remember(self, message: ChatMessage) -> None:
        self.history.append(message)
        if self.transcript is not None:
            self.transcript.message(self.result.steps, message)

    async def run(self, on_step: Callable[[str], None] | None) -> Stop | None:
        """None when the model called `finish`; else what stopped it."""
        while (stop := self.watch.out_of_steps()) is None:
            if stop := await self._over_budget():
                return stop
            self.result.steps += 1
            reply = await complete_patiently(
                self.model, self.history, tools=CODING_TOOLS, patience=self.patience
            )
            self.result.replies.append(reply)
            self.remember(ChatMessage("assistant", reply.content, tool_calls=reply.tool_calls))
            if stop := self.watch.after_reply(reply):
                return stop
            if not reply.tool_calls:
                # A chat answer instead of a tool call: steer back, not guess it meant "done".
                _report(on_step, f"step {self.result.steps}: model answered without a tool call")
                self.remember(ChatMessage("user", STEER_TO_TOOLS))
                continue
            if (stop := await self._act(reply.tool_calls, on_step)) or self.result.finished:
                return stop
        return stop

    async def _over_budget(self) -> Stop | None:
        """Before every model call, not only the session's first: a session that started
        under budget must not go on paying past it (README, *Costs and budgets*)."""
        if self.budget is None:
            return None
        report = await self.budget(self.result.replies)
        return None if report is None else Stop("budget", report)

    async def _act(
        self, calls: tuple[ToolCall, ...], on_step: Callable[[str], None] | None
    ) -> Stop | None:
        for call in calls:
            _report(on_step, f"step {self.result.steps}: {describe(call)}")
            if call.name == "finish":
                self.result.finished = True
                self.result.summary = str(call.arguments.get("summary", "")).strip()
                return None
            output = await self.tools.execute(call)
            self.remember(ChatMessage("tool", output, tool_call_id=call.id))
            if stop := self.watch.after_call(call, output):
                return stop
        return None


class _Workspace:
    """The tools, confined to one workspace directory."""

    def __init__(
        self,
        sandbox: Sandbox,
        root: Path,
        command_timeout_s: float,
        owner: SandboxOwner | None = None,
    ) -> None:
        self.sandbox = sandbox
        self.owner = owner
        # Resolved once so symlinked temp dirs (macOS /tmp) compare equal in _resolve.
        self.root = root.resolve()
        self.command_timeout_s = command_timeout_s
        self.files_written: list[str] = []
        self.last_test: CommandResult | None = None

    async def execute(self, call: ToolCall) -> str:
        try:
            if call.name == "write_file":
                return self.write_file(_str_arg(call, "path"), _str_arg(call, "content"))
            if call.name == "read_file":
                return self.read_file(_str_arg(call, "path"))
            if call.name == "list_files":
                return self.list_files()
            if call.name == "run_command":
                return await self.run_command(_str_arg(call, "command"))
            raise ToolError(f"unknown tool {call.name!r}; use one of {_tool_names()}")
        except ToolError as exc:
            log.info("coding_tool_refused", tool=call.name, error=str(exc))
            return f"error: {exc}"

    def write_file(self, path: str, content: str) -> str:
        if len(content) > MAX_FILE_CHARS:
            raise ToolError(f"content is over {MAX_FILE_CHARS} characters; split the file")
        target, rel = self._resolve(path)
        if target.is_dir():
            raise ToolError(f"{rel} is a directory")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        if rel not in self.files_written:
            self.files_written.append(rel)
        return f"wrote {rel} ({len(content)} characters)"

    def read_file(self, path: str) -> str:
        target, rel = self._resolve(path)
        if not target.is_file():
            raise ToolError(f"{rel} does not exist or is not a file")
        try:
            text = target.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ToolError(f"{rel} is not a UTF-8 text file") from exc
        return head(text, MAX_FILE_CHARS)

    def list_files(self) -> str:
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if d not in _HIDDEN_DIRS)
            base = Path(dirpath).relative_to(self.root)
            found.extend((base / name).as_posix() for name in sorted(filenames))
        shown = found[:MAX_LISTED_FILES]
        more = f"\n... and {len(found) - len(shown)} more" if len(found) > len(shown) else ""
        return ("\n".join(shown) or "(no files)") + more

    async def run_command(self, command: str) -> str:
        if not command.strip():
            raise ToolError("command is empty")
        result = await self.sandbox.run(
            self.root, command, timeout_s=self.command_timeout_s, owner=self.owner
        )
        if _looks_like_tests(command):
            self.last_test = result
        timed_out = " (timed out)" if result.timed_out else ""
        return (
            f"exit code: {result.exit_code}{timed_out}\n"
            f"--- stdout ---\n{tail(result.stdout, MAX_OUTPUT_CHARS)}\n"
            f"--- stderr ---\n{tail(result.stderr, MAX_OUTPUT_CHARS)}"
        )

    def _resolve(self, path: str) -> tuple[Path, str]:
        """Absolute target and clean relative path; refuses anything outside the workspace."""
        if not path.strip():
            raise ToolError("path is empty")
        if Path(path).is_absolute():
            raise ToolError(f"{path!r} is absolute; use a path relative to the repository root")
        # resolve() follows symlinks, so a link pointing outside is caught here as well.
        target = (self.root / path).resolve()
        if not target.is_relative_to(self.root) or target == self.root:
            raise ToolError(f"{path!r} is outside the repository")
        rel = target.relative_to(self.root).as_posix()
        if rel.split("/")[0] == ".git":
            raise ToolError("the .git directory is managed by the orchestrator")
        return target, rel


def _str_arg(call: ToolCall, name: str) -> str:
    value: Any = call.arguments.get(name)
    if not isinstance(value, str):
        raise ToolError(f"{call.name} needs a string argument {name!r}")
    return value


def _tool_names() -> str:
    return ", ".join(t.name for t in CODING_TOOLS)


def _looks_like_tests(command: str) -> bool:
    return any(word in command for word in ("unittest", "pytest", "test"))


def _report(on_step: Callable[[str], None] | None, text: str) -> None:
    if on_step is not None:
        on_step(text)
