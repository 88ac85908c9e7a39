"""The suite's behaviour checks, run in order against a live service (state carries over:
a POST then a GET that lists what it stored)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from services.evals.suite import HttpCheck

_MISSING = object()


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    reason: str = ""  # why it failed, in words


async def run_checks(base_url: str, checks: list[HttpCheck]) -> list[CheckResult]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        return [await _run(http, check) for check in checks]


async def _run(http: httpx.AsyncClient, check: HttpCheck) -> CheckResult:
    try:
        response = await http.request(
            check.method, check.path, json=check.body if check.body is not None else None
        )
    except httpx.HTTPError as err:
        return CheckResult(check.label, False, f"no answer: {type(err).__name__}: {err}")
    problem = _problem(check, response)
    return CheckResult(check.label, problem is None, problem or "")


def _problem(check: HttpCheck, response: httpx.Response) -> str | None:
    if response.status_code != check.status:
        return f"status {response.status_code}, expected {check.status}: {_short(response.text)}"
    missing = [s for s in check.contains if s not in response.text]
    if missing:
        return f"body lacks {missing!r}: {_short(response.text)}"
    if not check.json_equals and not check.fields:
        return None
    try:
        body = response.json()
    except json.JSONDecodeError:
        return f"body is not JSON: {_short(response.text)}"
    for path in check.fields:
        if _at(body, path) is _MISSING:
            return f"JSON has no {path!r}: {_short(response.text)}"
    for path, expected in check.json_equals.items():
        found = _at(body, path)
        if found is _MISSING:
            return f"JSON has no {path!r}: {_short(response.text)}"
        if found != expected:
            return f"JSON {path!r} is {found!r}, expected {expected!r}"
    return None


def _at(body: Any, path: str) -> Any:
    """`items.0.name` into nested objects and lists."""
    node = body
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif (
            isinstance(node, list)
            and part.lstrip("-").isdigit()
            and -len(node) <= int(part) < len(node)
        ):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
