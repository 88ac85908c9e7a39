"""A deterministic, scripted chat model: the embedded default, no network, clearly labelled.

It answers from the shape of the request: the `response_format` schema picks the agent role,
and with tools it plays a coding agent whose next step follows from how many tool results
the conversation already holds (stateless, so a retried activity replays the same choice).
"""

from __future__ import annotations

import hashlib
import json
import re

from pydantic import BaseModel, ValidationError

from adapters.llm.base import ChatMessage, ModelReply, ToolCall, ToolSpec, Usage
from agents.offline_changes import change_task_files, draft_change, plan_change
from agents.prompts import (
    DeveloperBrief,
    extract_tag,
    find_developer_brief,
    json_blocks,
)
from agents.scaffold import TEST_COMMAND
from agents.schemas import (
    ChangeSpec,
    FeatureSpec,
    LineComment,
    ProjectSpec,
    ResourceRequirement,
    ReviewVerdict,
    SecretRequirement,
    TaskPlan,
    TaskSpec,
)
from core.errors import InvalidModelOutput

# Words that say what kind of thing to build rather than what it is about.
_STOP_WORDS = frozenset(
    """a an the and or of to in on at by for with without from into about my our your me i we
    want need please make build create write bot app application service api server backend web
    site telegram http json rest simple small tiny basic new little quick that which who this
    track tracker manage manager keep send show list get store simple health index""".split()
)
# Phrases that say the service fetches data from a paid provider, and the key it then needs.
# A plain "weather bot" stores its items itself (the demo idea); a forecast must come from
# somewhere.
_EXTERNAL_APIS: tuple[tuple[re.Pattern[str], SecretRequirement], ...] = (
    (
        re.compile(r"\bforecasts?\b|\bweather (api|provider|data)\b|\blive weather\b"),
        SecretRequirement(name="WEATHER_API_KEY", purpose="weather provider API key"),
    ),
    (
        re.compile(r"\bexchange rates?\b|\bcurrency rates?\b"),
        SecretRequirement(name="EXCHANGE_RATES_API_KEY", purpose="exchange-rate provider API key"),
    ),
)
# Resources an idea asks for in so many words ("on its own domain"); a port is always given.
_ASKED_RESOURCES: tuple[tuple[re.Pattern[str], ResourceRequirement], ...] = (
    (
        re.compile(r"\b(own|custom) domain\b|\bdomain name\b"),
        ResourceRequirement(kind="domain", purpose="the service's own domain name"),
    ),
    (
        re.compile(r"\b(own|dedicated) (server|vps)\b"),
        ResourceRequirement(kind="server", purpose="a server of its own"),
    ),
    (
        re.compile(r"\b(own database|postgres(ql)?|sql database)\b"),
        ResourceRequirement(kind="database", purpose="a database for its data"),
    ),
)
_RESOURCE_RE = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
_PASSED_RE = re.compile(r"^OK\b|\b\d+ passed\b|^exit code: 0\b", re.MULTILINE)
_FAILED_RE = re.compile(
    r"^FAILED\b|^ERROR:|\b\d+ failed\b|^exit code: [1-9]|timed out|\bRan 0 tests\b",
    re.MULTILINE,
)


class OfflineModel:
    label = "offline model"

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        tools: list[ToolSpec] | None = None,
        response_format: type[BaseModel] | None = None,
    ) -> ModelReply:
        calls: tuple[ToolCall, ...] = ()
        if response_format is ProjectSpec:
            prompt = _last_user(messages, "<idea>")
            spec = draft_spec(extract_tag(prompt, "idea") or prompt)
            content = with_conversation(spec, extract_tag(prompt, "conversation")).model_dump_json()
        elif response_format is ChangeSpec:
            prompt = _last_user(messages, "<change>")
            text = extract_tag(prompt, "change") or prompt
            delta = draft_change(text, _talk(prompt))
            delta.secrets = [
                need for pattern, need in _EXTERNAL_APIS if pattern.search(text.lower())
            ]
            content = delta.model_dump_json()
        elif response_format is TaskPlan and (change := _change_plan_prompt(messages)):
            text, files = change
            content = plan_change(text, files).model_dump_json()
        elif response_format is TaskPlan:
            content = plan_tasks(_spec_from_prompt(messages)).model_dump_json()
        elif response_format is ReviewVerdict:
            content = review(_last_user(messages, "<test_report>")).model_dump_json()
        elif response_format is not None:
            raise InvalidModelOutput(f"the offline model has no script for {response_format}")
        elif tools:
            content, calls = "", (next_tool_call(messages),)
        else:
            content = "The offline model only answers structured and tool-calling requests."
        completion = content + "".join(json.dumps(c.arguments) for c in calls)
        return ModelReply(
            content=content,
            tool_calls=calls,
            usage=Usage(
                prompt_tokens=sum(len(m.content) for m in messages) // 4,
                completion_tokens=len(completion) // 4,
            ),
            model=self.label,
        )


# --- Brainstorm -----------------------------------------------------------------------------


def draft_spec(idea: str) -> ProjectSpec:
    idea = " ".join(idea.split())
    words = re.findall(r"[a-z0-9]+", idea.lower())
    digest = hashlib.sha1(idea.encode()).hexdigest()[:6]
    name = "-".join(words[:4])
    if name[:1].isdigit():
        name = f"app-{name}"  # a slug must start with a letter
    name = name[:41].strip("-")
    if not re.fullmatch(r"[a-z][a-z0-9-]{1,40}", name):
        name = f"project-{digest}"
    resource = next(
        (w[:31] for w in words if w not in _STOP_WORDS and _RESOURCE_RE.match(w[:31])), "items"
    )
    title = (idea[:1].upper() + idea[1:80]) or "Untitled project"
    path = f"/{resource}"
    return ProjectSpec(
        name=name,
        title=title,
        summary=(
            f"{title}: a small JSON HTTP service. GET /health reports liveness, "
            f"GET {path} lists the {resource} items and POST {path} adds one (kept in memory)."
        ),
        feature=FeatureSpec(
            resource=resource,
            description=f"{resource} items: GET {path} lists them, POST {path} adds one.",
        ),
        requirements=[
            'GET /health returns 200 with {"status": "ok"}',
            "GET / returns 200 with the service name, title, summary and endpoints",
            f'GET {path} returns 200 with {{"items": [...]}}',
            f"POST {path} with a JSON object stores it in memory and returns 201 with the "
            "stored item, including a numeric id",
            f"POST {path} with anything but a JSON object returns 400",
            f"Standard library only; the tests pass with `{TEST_COMMAND}`",
        ],
        secrets=[need for pattern, need in _EXTERNAL_APIS if pattern.search(idea.lower())],
        resources=[
            *ProjectSpec.model_fields["resources"].get_default(call_default_factory=True),
            *(need for pattern, need in _ASKED_RESOURCES if pattern.search(idea.lower())),
        ],
    )


VAGUE_IDEA_WORDS = 3


def with_conversation(spec: ProjectSpec, conversation: str | None) -> ProjectSpec:
    """A vague idea (a few words) gets one question; the owner's answers become requirements."""
    if conversation:
        answers = [line[3:].strip() for line in conversation.splitlines() if line.startswith("A: ")]
        notes = [f"From the owner: {a}" for a in answers if a]
        return spec.model_copy(update={"requirements": [*spec.requirements, *notes]})
    if len(spec.title.split()) <= VAGUE_IDEA_WORDS:
        question = (
            f"Who will use {spec.title!r}, and what should each {spec.feature.resource} "
            "item record?"
        )
        return spec.model_copy(update={"open_questions": [question]})
    return spec


# --- Architect ------------------------------------------------------------------------------


def plan_tasks(spec: ProjectSpec) -> TaskPlan:
    r = spec.feature.resource
    return TaskPlan(
        tasks=[
            TaskSpec(
                key="health",
                title="Health endpoint",
                description=(
                    'Add routes/health.py exporting ROUTES with GET /health -> 200 {"status": '
                    '"ok"}, and tests/test_health.py checking it and that an unknown path gets '
                    "a JSON 404."
                ),
                files=["routes/health.py", "tests/test_health.py"],
            ),
            TaskSpec(
                key="index",
                title="Service index",
                description=(
                    "Add routes/index.py exporting ROUTES with GET / -> 200 and a JSON object "
                    "describing the service: name, title, summary and the list of endpoints. "
                    "Cover it in tests/test_index.py."
                ),
                files=["routes/index.py", "tests/test_index.py"],
            ),
            TaskSpec(
                key=r.replace("_", "-"),
                title=f"{r.replace('_', ' ').capitalize()} resource",
                description=(
                    f"Add routes/{r}.py exporting ROUTES with GET /{r} -> 200 "
                    f'{{"items": [...]}} and POST /{r}, which takes a JSON object, stores it in '
                    "memory with a numeric id (thread-safe) and returns 201 with the stored "
                    f"item; anything but a JSON object gets 400. Cover both in tests/test_{r}.py."
                ),
                files=[f"routes/{r}.py", f"tests/test_{r}.py"],
            ),
        ]
    )


# --- Reviewer -------------------------------------------------------------------------------


def review(prompt: str) -> ReviewVerdict:
    report = extract_tag(prompt, "test_report") or ""
    diff = extract_tag(prompt, "diff") or ""
    changed = re.findall(r"^\+\+\+ b/(.+)$", diff, flags=re.MULTILINE)
    problems = []
    if not diff.strip():
        problems.append("The diff is empty: the branch changes nothing. Implement the task.")
    if not report.strip():
        problems.append(f"No test report was provided. Run `{TEST_COMMAND}` and include it.")
    elif not tests_passed(report):
        tail = " | ".join(line for line in report.strip().splitlines()[-3:] if line.strip())
        problems.append(f"The test run did not pass ({tail}). Fix the failures and rerun.")
    if problems:
        return ReviewVerdict(
            approved=False,
            comments=" ".join(problems),
            line_comments=failing_lines(report, changed),
        )
    files = ", ".join(changed) or "the diff"
    # Removed lines mean existing behaviour changes; purely added files break nobody.
    removed = [
        line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")
    ]
    comments = f"Looks good: {files} changed, tests pass."
    if removed:
        comments += f" It changes existing code ({len(removed)} lines removed): breaking."
    return ReviewVerdict(approved=True, comments=comments, breaking_change=bool(removed))


def failing_lines(report: str, changed: list[str]) -> list[LineComment]:
    """Where a traceback in the test report points into a file of the diff: the frame's line,
    with the error the traceback ends with (paths differ inside the sandbox, suffixes do not)."""
    found: list[LineComment] = []
    for block in report.split("Traceback (most recent call last):")[1:]:
        error = next(
            (line.strip() for line in reversed(block.splitlines()) if _ERROR_RE.match(line)), ""
        )
        for path, line, function in _FRAME_RE.findall(block):
            file = next((c for c in changed if path == c or path.endswith(f"/{c}")), None)
            if file is None:
                continue
            comment = LineComment(path=file, line=int(line), body=f"{error} (in {function})")
            if comment not in found:
                found.append(comment)
    return found


_FRAME_RE = re.compile(r'^\s*File "([^"]+)", line (\d+), in (\S+)', flags=re.MULTILINE)
_ERROR_RE = re.compile(r"^\w+(Error|Exception)\b")


def tests_passed(report: str) -> bool:
    return bool(_PASSED_RE.search(report)) and not _FAILED_RE.search(report)


# --- Developer (coding agent) ---------------------------------------------------------------


def next_tool_call(messages: list[ChatMessage]) -> ToolCall:
    done = sum(1 for m in messages if m.role == "tool")
    call_id = f"call_{done + 1}"
    brief = find_developer_brief(messages)
    if brief is None:
        return ToolCall(call_id, "finish", {"summary": "No task brief found in the prompt."})
    route_path, route_code, test_path, test_code, what = _task_files(brief)
    if done == 0:
        return ToolCall(call_id, "write_file", {"path": route_path, "content": route_code})
    if done == 1:
        return ToolCall(call_id, "write_file", {"path": test_path, "content": test_code})
    if done == 2:
        return ToolCall(call_id, "run_command", {"command": TEST_COMMAND})
    run = _last_result_of(messages, "run_command")
    if run is not None and run.startswith("exit code: 0"):
        summary = f"Implemented {what} in {route_path} with tests in {test_path}; the tests pass."
    else:
        first_line = (run or "no test run").splitlines()[0]
        summary = (
            f"Implemented {what} in {route_path} with tests in {test_path}, "
            f"but the test run failed ({first_line})."
        )
    return ToolCall(call_id, "finish", {"summary": summary})


def _task_files(brief: DeveloperBrief) -> tuple[str, str, str, str, str]:
    """(route path, route code, test path, test code, what) for the task in the brief."""
    if brief.change is not None:
        return change_task_files(brief)
    key, project = brief.task.key, brief.project
    if "health" in key:
        stem, what, code, test = "health", "GET /health", _HEALTH, _HEALTH_TEST
    elif key in ("index", "root", "home") or "index" in key:
        stem, what, code, test = "index", "GET /", _INDEX, _INDEX_TEST
    else:
        r = project.feature.resource
        stem, what, code, test = r, f"GET/POST /{r}", _FEATURE, _FEATURE_TEST
    routes = [f for f in brief.task.files if f.startswith("routes/") and f.endswith(".py")]
    tests = [f for f in brief.task.files if f.startswith("tests/") and f.endswith(".py")]
    route_path = routes[0] if routes else f"routes/{stem}.py"
    test_path = tests[0] if tests else f"tests/test_{stem}.py"
    r = project.feature.resource
    values = {
        "__PATH__": repr(f"/{r}"),
        "__CLASS__": "".join(part.capitalize() for part in r.split("_")),
        "__NAME__": repr(project.name),
        "__TITLE__": repr(project.title),
        "__SUMMARY__": repr(project.summary),
        "__ENDPOINTS__": repr(["GET /", "GET /health", f"GET /{r}", f"POST /{r}"]),
    }
    for placeholder, value in values.items():
        code, test = code.replace(placeholder, value), test.replace(placeholder, value)
    return route_path, code, test_path, test, what


def _spec_from_prompt(messages: list[ChatMessage]) -> ProjectSpec:
    for block in json_blocks(_last_user(messages, "```json")):
        try:
            return ProjectSpec.model_validate_json(block)
        except ValidationError:
            continue
    return draft_spec(_last_user(messages, ""))


def _talk(prompt: str) -> str | None:
    return extract_tag(prompt, "conversation")


def _change_plan_prompt(messages: list[ChatMessage]) -> tuple[str, list[str]] | None:
    """(the change, the repository's files) when the Architect plans a change."""
    prompt = _last_user(messages, "<change>")
    change = extract_tag(prompt, "change")
    if change is None:
        return None
    files = (extract_tag(prompt, "files") or "").split()
    return change, files


def _last_user(messages: list[ChatMessage], containing: str) -> str:
    """The last user message containing a marker (retries append corrections after it)."""
    users = [m.content for m in messages if m.role == "user"]
    return next((c for c in reversed(users) if containing in c), users[-1] if users else "")


def _last_result_of(messages: list[ChatMessage], tool: str) -> str | None:
    ids = {c.id for m in messages if m.role == "assistant" for c in m.tool_calls if c.name == tool}
    results = [m.content for m in messages if m.role == "tool" and m.tool_call_id in ids]
    return results[-1] if results else None


# --- Code the offline developer writes ------------------------------------------------------

_HEALTH = '''\
"""GET /health: the liveness probe that deploys and monitors call."""

from __future__ import annotations

from typing import Any


def health(request: Any) -> tuple[int, Any]:
    return 200, {"status": "ok"}


ROUTES = {("GET", "/health"): health}
'''

_HEALTH_TEST = """\
import unittest

from tests.helpers import get


class HealthTest(unittest.TestCase):
    def test_health_is_ok(self) -> None:
        status, body = get("/health")
        self.assertEqual(status, 200)
        self.assertEqual(body, {"status": "ok"})

    def test_unknown_path_is_json_404(self) -> None:
        status, body = get("/no-such-path")
        self.assertEqual(status, 404)
        self.assertIn("error", body)


if __name__ == "__main__":
    unittest.main()
"""

_INDEX = '''\
"""GET /: what this service is and which endpoints it offers."""

from __future__ import annotations

from typing import Any

SERVICE = {
    "name": __NAME__,
    "title": __TITLE__,
    "summary": __SUMMARY__,
    "endpoints": __ENDPOINTS__,
}


def index(request: Any) -> tuple[int, Any]:
    return 200, SERVICE


ROUTES = {("GET", "/"): index}
'''

_INDEX_TEST = """\
import unittest

from tests.helpers import get


class IndexTest(unittest.TestCase):
    def test_index_describes_the_service(self) -> None:
        status, body = get("/")
        self.assertEqual(status, 200)
        self.assertEqual(body["name"], __NAME__)
        self.assertIn("GET /health", body["endpoints"])


if __name__ == "__main__":
    unittest.main()
"""

_FEATURE = '''\
"""GET lists the items, POST adds one. Items live in memory, so a restart clears them."""

from __future__ import annotations

import threading
from typing import Any

_items: list[dict[str, Any]] = []
# The server handles each request on its own thread.
_lock = threading.Lock()


def list_items(request: Any) -> tuple[int, Any]:
    with _lock:
        return 200, {"items": list(_items)}


def add_item(request: Any) -> tuple[int, Any]:
    if not isinstance(request.json, dict):
        return 400, {"error": "expected a JSON object"}
    with _lock:
        item = {**request.json, "id": len(_items) + 1}
        _items.append(item)
    return 201, item


ROUTES = {("GET", __PATH__): list_items, ("POST", __PATH__): add_item}
'''

_FEATURE_TEST = """\
import unittest

from tests.helpers import get, post

PATH = __PATH__


class __CLASS__Test(unittest.TestCase):
    def test_post_then_list(self) -> None:
        status, created = post(PATH, {"name": "first"})
        self.assertEqual(status, 201)
        self.assertEqual(created["name"], "first")
        self.assertIsInstance(created["id"], int)
        status, body = get(PATH)
        self.assertEqual(status, 200)
        self.assertIn(created, body["items"])

    def test_post_rejects_non_object(self) -> None:
        status, body = post(PATH, ["not", "an", "object"])
        self.assertEqual(status, 400)
        self.assertIn("error", body)


if __name__ == "__main__":
    unittest.main()
"""
