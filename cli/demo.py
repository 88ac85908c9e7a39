"""`orchestrator demo`: one idea through the whole pipeline on the embedded defaults."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import urllib.parse

import httpx
from rich.console import Console

from cli.context import project_services
from cli.watch import watch
from core.contracts import Gates, InboxItem
from core.errors import ServiceUnavailable
from core.settings import Settings


async def run_demo(
    settings: Settings, idea: str, console: Console, gates: Gates | None = None
) -> None:
    _explain_fallbacks(settings, console)
    await ensure_stack(settings, console)
    async with project_services(settings) as services:
        project = await services.submit(idea, gates=gates)
        console.print(f"submitted [bold]{idea!r}[/bold] as project {project.id}")
        project = await watch(services, project, console, answer=_play_the_owner)
    ui = _web_ui_link(settings, project.id)
    if project.status != "completed" or not project.live_url:
        console.print(f"[red]the project ended {project.status}[/red]: {project.error}")
        console.print(f"history: {ui}")
        raise SystemExit(1)
    async with httpx.AsyncClient(timeout=5) as http:
        health = await http.get(f"{project.live_url}/health")
    console.print()
    console.print(f"[green]live[/green]     {project.live_url}")
    console.print(f"web ui   {ui}")
    console.print(f"GET {project.live_url}/health → {health.status_code} {health.text.strip()}")
    if settings.sandbox.kind == "docker":
        console.print(f"sandbox  containers left by the project: {_containers_of(project.id)}")
    console.print("status   orchestrator status " + project.id)
    # Without this key neither the secrets nor the encrypted history can be read again.
    console.print(f"age key  {settings.age_key_file} (back it up; README, Secrets)")
    console.print("stop     orchestrator down")
    if health.status_code != 200:
        raise SystemExit(1)


def _play_the_owner(item: InboxItem, console: Console) -> tuple[str, str]:
    """The demo answers as the owner would, through the same path as `orchestrator answer`."""
    if item.kind == "approval":
        console.print(f"  [dim]demo owner:[/dim] orchestrator answer {item.id} --approve")
        return "approve", ""
    if item.kind == "escalation":
        console.print(f"  [dim]demo owner:[/dim] orchestrator answer {item.id} --choice retry")
        return "retry", ""
    reply = "Families who plan trips; each item records a city and a note"
    console.print(f"  [dim]demo owner:[/dim] orchestrator answer {item.id} {reply!r}")
    return "", reply


def _explain_fallbacks(settings: Settings, console: Console) -> None:
    if settings.llm.provider == "offline":
        console.print(
            "model: [yellow]offline model[/yellow] "
            "(deterministic, no keys; set LLM_PROVIDER=openai for a real one)"
        )
    if settings.sandbox.kind == "docker":
        from adapters.sandbox.docker_engine import connect, engine_address

        connect()  # no engine: the reason, and no silent fallback to another sandbox
        console.print(
            f"sandbox: [green]Docker[/green] at {engine_address()}, image "
            f"{settings.sandbox.docker_image}, runtime {settings.sandbox.docker_runtime}"
        )
    if settings.sandbox.kind in ("auto", "bubblewrap") and shutil.which("bwrap") is None:
        console.print(
            "[bold red]sandbox: bubblewrap is not installed — coding agents run as plain "
            "subprocesses WITHOUT isolation[/bold red] (apt-get install bubblewrap)"
        )


async def ensure_stack(settings: Settings, console: Console) -> None:
    """Reuse a running stack; otherwise start `orchestrator up` in the background."""
    health_url = f"http://{settings.api.host}:{settings.api.port}/health"
    if await _healthy(health_url):
        console.print(f"using the stack already running at {health_url}")
        return
    log = settings.logs_dir / "stack.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        # Our whole environment on purpose: this is the orchestrator itself, which reads its
        # settings and keys from it; its own children get core.child_env's allowlist.
        subprocess.Popen(  # noqa: ASYNC220 - detached on purpose; it outlives this command
            [sys.executable, "-m", "cli", "up"],
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    console.print(f"starting the stack in the background (log: {log})")
    for _ in range(120):
        if await _healthy(health_url):
            return
        await asyncio.sleep(0.5)
    raise ServiceUnavailable(f"the stack did not come up in 60s; see {log}")


async def _healthy(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            response = await http.get(url)
        return response.status_code == 200 and response.json().get("status") == "ok"
    except (httpx.HTTPError, ValueError):
        return False


def _web_ui_link(settings: Settings, project_id: str) -> str:
    query = urllib.parse.quote(f'OrchestratorProjectId="{project_id}"')
    namespace = settings.temporal.namespace
    return f"{settings.temporal.ui_url}/namespaces/{namespace}/workflows?query={query}"


def _containers_of(project_id: str) -> int:
    from adapters.sandbox.docker_container import SANDBOX_LABEL
    from adapters.sandbox.docker_engine import connect

    found = connect().containers.list(all=True, filters={"label": SANDBOX_LABEL})
    return sum(
        1
        for c in found
        if project_id in c.name or c.labels.get("orchestrator.project") == project_id
    )
