"""`orchestrator up`: Temporal (embedded or external), migrations, the worker and the API."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import TYPE_CHECKING

import structlog

from adapters.secrets.base import SecretStore
from adapters.secrets.codec_token import codec_token
from adapters.secrets.factory import build_secret_store
from cli.embedded_temporal import EmbeddedTemporal
from core.errors import ServiceUnavailable
from core.pid_files import PidFile, worker_identity
from core.settings import ApiSettings, Settings

if TYPE_CHECKING:
    from temporalio.client import Client
    from temporalio.worker import Worker
    from uvicorn import Server

    from services.projects import ProjectServices

log = structlog.get_logger()


def stack_pid_file(settings: Settings) -> PidFile:
    return PidFile(settings.data_dir / "stack.pid")


def running_stack(settings: Settings) -> int | None:
    """The pid of the stack serving this data dir, if one runs (a stale file names none)."""
    return stack_pid_file(settings).owner(_is_stack_command)


def _is_stack_command(argv: list[str]) -> bool:
    # `orchestrator up`, or `python -m cli up` as `demo` starts it in the background.
    return "up" in argv[1:] and any(a.endswith("orchestrator") or a == "cli" for a in argv)


async def run_stack(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM, then stop the API, the worker and the server, in that order."""
    crashed = stack_pid_file(settings).recorded()  # still there: the last stack did not stop
    if (pid := running_stack(settings)) is not None and pid != os.getpid():
        raise ServiceUnavailable(
            f"a stack already runs for {settings.data_dir} (pid {pid}); "
            "stop it with `orchestrator down` first"
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    # Read before anything starts: a missing or wrong age key stops the stack here, and the
    # embedded Web UI is told where to decode payloads.
    secrets = build_secret_store(settings)
    token = await asyncio.to_thread(codec_token, secrets)
    temporal = (
        EmbeddedTemporal(settings, ui_codec_endpoint=ui_codec_endpoint(settings.api, token))
        if settings.temporal.embedded
        else None
    )
    try:
        if temporal is not None:
            # Launched first: the server comes up while the interpreter imports the rest.
            await temporal.launch()
        await _serve(settings, secrets, temporal, stop, crashed)
    finally:
        if temporal is not None:
            await temporal.stop()
        stack_pid_file(settings).release(os.getpid())
        log.info("stack stopped")


def ui_codec_endpoint(api: ApiSettings, token: str) -> str:
    """The codec base URL for the embedded Web UI; the token rides in the path because the
    UI has no way to send a header. The server and the browser both run on this host."""
    host = "127.0.0.1" if api.host in ("0.0.0.0", "::", "") else api.host
    return f"http://{host}:{api.port}/codec/t/{token}"


async def _serve(
    settings: Settings,
    secrets: SecretStore,
    temporal: EmbeddedTemporal | None,
    stop: asyncio.Event,
    crashed: tuple[int, str] | None,
) -> None:
    # Imported here, not at the top: these take seconds, and the server starts meanwhile.
    from adapters.secrets.history_keys import history_converter
    from api.server import api_server
    from core.temporal import connect, register_search_attributes
    from db.engine import create_engine, session_factory
    from db.migrate import upgrade_to_head
    from services.projects import ProjectServices
    from services.schedules.forge_sync import ensure_forge_sync_schedule
    from services.schedules.health import ensure_health_schedule
    from services.server_sync import register_server_sync
    from worker.composition import build_worker
    from worker.notifier import owner_notifier

    engine = create_engine(settings.database_url)
    try:
        if temporal is not None:
            await temporal.wait_until_serving()
        converter = await asyncio.to_thread(history_converter, secrets)
        client = await connect(settings.temporal, data_converter=converter, wait_s=20)
        await register_search_attributes(client, settings.temporal.namespace)
        await register_server_sync(client, settings)
        await asyncio.to_thread(upgrade_to_head, settings.database_url)
        await ensure_forge_sync_schedule(client, settings)
        if crashed is not None:  # before our worker polls: only the dead one's work is freed
            await _recover_after_crash(client, settings, *crashed)
        stack_pid_file(settings).record(os.getpid())
        await ensure_health_schedule(client, settings)
        sessions = session_factory(engine)
        services = ProjectServices(settings, sessions, client)
        async with owner_notifier(settings, sessions) as notifier:
            worker = build_worker(client, settings, sessions, notifier)
            api = api_server(services, settings.api)
            await _run_parts(settings, services, temporal, stop, worker, api)
    finally:
        await engine.dispose()


async def _run_parts(
    settings: Settings,
    services: ProjectServices,
    temporal: EmbeddedTemporal | None,
    stop: asyncio.Event,
    worker: Worker,
    api: Server,
) -> None:
    from services.live_check import check_live_services

    worker_run = asyncio.create_task(worker.run())
    api_run = asyncio.create_task(api.serve())
    bot_run = _start_bot(settings, services, stop)
    live_check = asyncio.create_task(
        check_live_services(services.sessions, health_path=settings.deploy.health_path)
    )
    log.info(
        "stack up",
        api=f"http://{settings.api.host}:{settings.api.port}",
        temporal=settings.temporal.target,
        web_ui=settings.temporal.ui_url if temporal else "(external cluster)",
    )
    try:
        await _until_stopped(stop, temporal, worker_run=worker_run)
    finally:
        log.info("stopping")
        stop.set()  # also when the worker died: the bot watches this event
        api.should_exit = True
        live_check.cancel()
        if not worker_run.done():
            await worker.shutdown()
        parts = [worker_run, api_run, live_check, *([bot_run] if bot_run else [])]
        outcomes = await asyncio.gather(*parts, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, Exception):
                log.warning("stopped with an error", error=repr(outcome))


def _start_bot(
    settings: Settings, services: ProjectServices, stop: asyncio.Event
) -> asyncio.Task[None] | None:
    """The Telegram bot, when TELEGRAM_BOT_TOKEN is set; it stops with the stack."""
    if not settings.telegram.enabled:
        return None
    from bot.app import BotServices, bot_client, run_bot

    log.info("telegram bot", api=settings.telegram.api_base or "api.telegram.org")
    return asyncio.create_task(
        run_bot(bot_client(settings.telegram), BotServices.of(services), stop)
    )


async def _recover_after_crash(
    client: Client, settings: Settings, dead_pid: int, dead_started: str
) -> None:
    from temporalio.service import RPCError

    from services.crash_recovery import release_dead_worker

    try:
        recovered = await release_dead_worker(
            client,
            namespace=settings.temporal.namespace,
            task_queue=settings.temporal.task_queue,
            dead_identity=worker_identity(dead_pid, dead_started),
        )
    except RPCError as err:  # heartbeat timeouts still catch the dead attempts, a bit later
        log.warning("crash recovery could not run", error=str(err))
        return
    log.warning(
        "recovered after a crash",
        dead_stack_pid=dead_pid,
        running_workflows=recovered.workflows,
        attempts_restarted=recovered.attempts_released,
    )


async def _until_stopped(
    stop: asyncio.Event, temporal: EmbeddedTemporal | None, *, worker_run: asyncio.Task[None]
) -> None:
    """Wait for a stop signal while keeping the embedded server alive and the worker running."""
    watched: list[asyncio.Task[object]] = [asyncio.create_task(stop.wait()), worker_run]
    if temporal is not None:
        watched.append(asyncio.create_task(temporal.supervise()))
    done, pending = await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        if task is not worker_run:
            task.cancel()
    for task in done:
        task.result()  # a supervisor that gave up, or a worker that died, stops the stack
    if worker_run in done:
        raise ServiceUnavailable("the worker stopped on its own; see the log above")
