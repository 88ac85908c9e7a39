"""The offline model's script for change requests to a live service.

Deterministic from the words of the change: each endpoint it names (`/stats`, or "a stats
endpoint") becomes one task; an endpoint the repository already has is rewritten, a new one
is added. A change asking an endpoint to fail (503, maintenance, unavailable) gets exactly
that, so a release that breaks its own health check can be requested in plain words.
"""

from __future__ import annotations

import re

from agents.prompts import DeveloperBrief
from agents.schemas import ChangeSpec, TaskPlan, TaskSpec

_PATH = re.compile(r"(?<![\w/.])/([a-z][a-z0-9_-]{0,30})\b")
_FAILING = re.compile(r"\b(503|unavailable|maintenance|broken|fail|fails|failing)\b")
_COUNTING = re.compile(r"\b(stats|statistics|counts?|metrics)\b")
# Words around an endpoint's name in "add a stats endpoint that counts items".
_FILLER = frozenset(
    """a an the and or of to in on at by for with from into my our me i we it its this that
    add adds make new please endpoint endpoints route routes page api change get post put
    answer answers return returns show shows let lets have has should must can also
    which what who json http service""".split()
)
VAGUE_CHANGE_WORDS = 3
MAX_CHANGE_TASKS = 3


def endpoints(text: str) -> list[str]:
    """Path segments the change names, in order; else the first word that can be one."""
    lowered = text.lower()
    found = list(dict.fromkeys(_PATH.findall(lowered)))
    if found:
        return found[:MAX_CHANGE_TASKS]
    words = [w for w in re.findall(r"[a-z][a-z0-9_]*", lowered) if w not in _FILLER]
    return [words[0][:31]] if words else ["changes"]


def draft_change(text: str, conversation: str | None) -> ChangeSpec:
    text = " ".join(text.split())
    paths = _PATH.findall(text.lower())
    requirements = [f"From the change request: {text}"]
    questions: list[str] = []
    if conversation:
        answers = [line[3:].strip() for line in conversation.splitlines() if line.startswith("A: ")]
        requirements += [f"From the owner: {a}" for a in answers if a]
    elif len(text.split()) <= VAGUE_CHANGE_WORDS and not paths:
        questions.append(
            f"What exactly should {text!r} change: which endpoint, and what should it answer?"
        )
    names = ", ".join(f"/{p}" for p in endpoints(" ".join([text, *requirements])))
    return ChangeSpec(
        title=(text[:1].upper() + text[1:80]) or "Change",
        summary=f"A change to the live service touching {names}: {text}",
        requirements=requirements,
        open_questions=questions,
    )


def plan_change(change: str, files: list[str]) -> TaskPlan:
    tasks = []
    for name in endpoints(change):
        module = name.replace("-", "_")
        route, test = f"routes/{module}.py", f"tests/test_{module}.py"
        exists = route in files
        verb = "Rewrite" if exists else "Add"
        tasks.append(
            TaskSpec(
                key=(name if len(name) > 1 else f"{name}-route").replace("_", "-"),
                title=f"{'Change' if exists else 'Add'} GET /{name}",
                description=(
                    f"{verb} {route} exporting ROUTES with GET /{name}, as the change asks: "
                    f"{' '.join(change.split())[:500]}. Cover it in {test}."
                ),
                files=[route, test],
            )
        )
    return TaskPlan(tasks=tasks)


def change_task_files(brief: DeveloperBrief) -> tuple[str, str, str, str, str]:
    """(route path, route code, test path, test code, what) for a task of a change."""
    assert brief.change is not None
    task = brief.task
    found = re.search(r"GET (/[a-z][a-z0-9_-]*)", task.description)
    path = found.group(1) if found else f"/{task.key}"
    module = path[1:].replace("-", "_")
    route_path = next((f for f in task.files if f.startswith("routes/")), f"routes/{module}.py")
    test_path = next((f for f in task.files if f.startswith("tests/")), f"tests/test_{module}.py")
    wanted = " ".join([brief.change.text, *brief.change.requirements]).lower()
    if _FAILING.search(wanted):
        code, test, what = _UNAVAILABLE, _UNAVAILABLE_TEST, f"GET {path} answering 503"
    elif _COUNTING.search(path) or _COUNTING.search(wanted):
        code, test, what = _COUNTS, _COUNTS_TEST, f"GET {path} counting items"
    else:
        code, test, what = _PLAIN, _PLAIN_TEST, f"GET {path}"
    resource = brief.project.feature.resource
    values = {
        "__PATH__": repr(path),
        "__CHANGE__": repr(brief.change.text[:300]),
        "__NUMBER__": str(brief.change.number),
        "__RESOURCE__": repr(resource),
        "__CLASS__": "".join(part.capitalize() for part in module.split("_")),
        "__FUNC__": module,
    }
    for placeholder, value in values.items():
        code, test = code.replace(placeholder, value), test.replace(placeholder, value)
    return route_path, code, test_path, test, what


_PLAIN = '''\
"""__PATH__: added by change request #__NUMBER__."""

from __future__ import annotations

from typing import Any

CHANGE = __CHANGE__


def __FUNC__(request: Any) -> tuple[int, Any]:
    return 200, {"endpoint": __PATH__, "change": __NUMBER__, "about": CHANGE}


ROUTES = {("GET", __PATH__): __FUNC__}
'''

_PLAIN_TEST = """\
import unittest

from tests.helpers import get


class __CLASS__Test(unittest.TestCase):
    def test_answers_as_the_change_asked(self) -> None:
        status, body = get(__PATH__)
        self.assertEqual(status, 200)
        self.assertEqual(body["endpoint"], __PATH__)


if __name__ == "__main__":
    unittest.main()
"""

_COUNTS = '''\
"""__PATH__: how many items each resource holds (change request #__NUMBER__)."""

from __future__ import annotations

import importlib
from typing import Any

RESOURCES = [__RESOURCE__]


def __FUNC__(request: Any) -> tuple[int, Any]:
    counts = {}
    for name in RESOURCES:
        try:
            module = importlib.import_module(f"routes.{name}")
        except ImportError:
            continue
        items = getattr(module, "_items", None)
        if isinstance(items, list):
            counts[name] = len(items)
    return 200, {"endpoint": __PATH__, "counts": counts}


ROUTES = {("GET", __PATH__): __FUNC__}
'''

_COUNTS_TEST = """\
import unittest

from tests.helpers import get, post


class __CLASS__Test(unittest.TestCase):
    def test_counts_the_items(self) -> None:
        status, before = get(__PATH__)
        self.assertEqual(status, 200)
        self.assertEqual(before["endpoint"], __PATH__)
        post("/" + __RESOURCE__, {"name": "counted"})
        status, after = get(__PATH__)
        self.assertEqual(status, 200)
        self.assertEqual(after["counts"][__RESOURCE__], before["counts"][__RESOURCE__] + 1)


if __name__ == "__main__":
    unittest.main()
"""

_UNAVAILABLE = '''\
"""__PATH__ answers 503 on purpose: change request #__NUMBER__ asked for it."""

from __future__ import annotations

from typing import Any

CHANGE = __CHANGE__


def __FUNC__(request: Any) -> tuple[int, Any]:
    return 503, {"status": "unavailable", "change": __NUMBER__, "about": CHANGE}


ROUTES = {("GET", __PATH__): __FUNC__}
'''

_UNAVAILABLE_TEST = """\
import unittest

from tests.helpers import get


class __CLASS__Test(unittest.TestCase):
    def test_answers_unavailable(self) -> None:
        status, body = get(__PATH__)
        self.assertEqual(status, 503)
        self.assertEqual(body["status"], "unavailable")


if __name__ == "__main__":
    unittest.main()
"""
