"""Names a change request gives to what it creates, agreed on in one place.

A change runs as its own workflow against the project's repository, so its workflow, its
tasks, its inbox items and its release need names that never meet the project's own or
another change's: each carries the change number.
"""

from __future__ import annotations

import re

_TASK_KEY = re.compile(r"^c(\d+)-")
_ITEM_ID = re.compile(r"^[a-z]-(?P<project>[0-9a-z]+)\.c(?P<number>\d+)-\d+$")


def queue_workflow_id(project_id: str) -> str:
    return f"changes-{project_id}"


def change_workflow_id(project_id: str, number: int) -> str:
    return f"change-{project_id}-{number}"


def task_key(number: int, slug: str) -> str:
    """A task of change `number`; the tasks table keys tasks per project."""
    return f"c{number}-{slug}"[:41].rstrip("-")


def change_of_task(key: str) -> int | None:
    """The change a task key belongs to; None for the project's own tasks."""
    found = _TASK_KEY.match(key)
    return int(found.group(1)) if found else None


def item_scope(project_id: str, number: int) -> str:
    """What the desk puts into an inbox item id (`q-<scope>-<n>`) for this change."""
    return f"{project_id}.c{number}"


def change_of_item(item_id: str, project_id: str) -> int | None:
    """The change an inbox item was opened by; None for the project workflow's own items."""
    found = _ITEM_ID.match(item_id)
    if found is None or found.group("project") != project_id:
        return None
    return int(found.group("number"))


def release_id(number: int, head: str) -> str:
    """Distinct from the first deploy's `r<round>-<head>` and from every other change."""
    return f"c{number}-{head[:10]}"
