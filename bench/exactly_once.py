"""What "finished exactly once" means for a project, checked from its data dir and its API.

One repository, one pull request per task, one merge per task, one healthy release (one
release directory, one line of release history) and a live service that answers /health.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

import httpx

from bench.embedded_stack import EmbeddedStack


def problems(stack: EmbeddedStack, project_id: str) -> list[str]:
    """Everything that is not exactly once; empty when the project finished cleanly."""
    project = stack.project(project_id)
    found: list[str] = []
    if project["status"] != "completed":
        return [f"project {project['status']}: {project.get('error')}"]
    tasks = [t["key"] for t in (project.get("workflow") or {}).get("tasks", [])]
    found += _repositories(stack)
    found += _pull_requests(stack, tasks)
    found += _events(stack.events(project_id), tasks)
    found += _releases(stack)
    live = project.get("live_url")
    try:
        answer = str(httpx.get(f"{live}/health", timeout=5).status_code)
    except httpx.HTTPError as err:
        answer = type(err).__name__
    if answer != "200":
        found.append(f"live service {live}/health answered {answer}")
    return found


def _repositories(stack: EmbeddedStack) -> list[str]:
    repos = list((stack.home / "forge").glob("*/*.git"))
    return [] if len(repos) == 1 else [f"{len(repos)} repositories: {repos}"]


def _pull_requests(stack: EmbeddedStack, tasks: list[str]) -> list[str]:
    with sqlite3.connect(stack.home / "orchestrator.db") as db:
        rows = db.execute("SELECT branch, state FROM pull_requests").fetchall()
    per_branch = Counter(branch for branch, _ in rows)
    expected = Counter(f"task/{key}" for key in tasks)
    found = [] if per_branch == expected else [f"pull requests {dict(per_branch)}"]
    not_merged = [branch for branch, state in rows if state != "merged"]
    return found + ([f"not merged: {not_merged}"] if not_merged else [])


def _events(events: list[dict[str, Any]], tasks: list[str]) -> list[str]:
    kinds = Counter(e["kind"] for e in events)
    found = []
    for kind, wanted in (
        ("pull_request_opened", len(tasks)),
        ("pull_request_merged", len(tasks)),
        ("deploy_healthy", 1),
        ("project_completed", 1),
    ):
        if kinds[kind] != wanted:
            found.append(f"{kinds[kind]} '{kind}' events, expected {wanted}")
    return found


def _releases(stack: EmbeddedStack) -> list[str]:
    found = []
    release_dirs = list(stack.home.glob("releases/*/releases/*"))
    if len(release_dirs) != 1:
        found.append(f"{len(release_dirs)} release directories")
    histories = [p.read_text().split() for p in stack.home.glob("releases/*/history")]
    if [len(h) for h in histories] != [1]:
        found.append(f"release history {histories}")
    with sqlite3.connect(stack.home / "orchestrator.db") as db:
        statuses = [s for (s,) in db.execute("SELECT status FROM deployments")]
    if statuses != ["healthy"]:
        found.append(f"deployments {statuses}")
    return found
