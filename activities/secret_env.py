"""A project's secrets as the deployed service's environment: handles resolved at the last moment.

Zavhoz records each secret the spec needs as a Resource row (kind "secret", name NAME, value
`secret://<project>/<NAME>`). Only the activity that (re)starts the service calls this, right
before handing the values to the deployer; they never go into its result, an event or a log.
"""

from __future__ import annotations

import asyncio

from temporalio.exceptions import ApplicationError

from activities.context import ActivityContext
from core.errors import InvalidInput, UnknownHandle
from core.handles import TENANT_SCOPE, Handle, check_secret_name
from db.engine import transaction
from db.repositories import resources


async def resolve_secret_env(
    ctx: ActivityContext, tenant_id: str, project_id: str
) -> dict[str, str]:
    """NAME -> value for every secret the project needs; a non-retryable error naming the
    handle (never a value) when one is malformed, foreign or not in the store."""
    async with transaction(ctx.sessions) as session:
        rows = await resources.list_for_project(
            session=session, tenant_id=tenant_id, project_id=project_id
        )
    wanted = sorted((row.name, row.value) for row in rows if row.kind == "secret")
    env: dict[str, str] = {}
    for name, reference in wanted:
        handle = _handle(project_id, name, reference)
        try:
            # The store decrypts with sops in a subprocess: off the event loop, so heartbeats go on.
            env[name] = await asyncio.to_thread(ctx.secrets.get, tenant_id, handle)
        except UnknownHandle:
            raise ApplicationError(
                f"The service needs secret {handle}, which the secret store does not hold. "
                f"Set it with `orchestrator secrets set {handle.scope} {handle.name}`, then deploy "
                "again.",
                type="UnknownHandle",
                non_retryable=True,
            ) from None
    return env


def _handle(project_id: str, name: str, reference: str) -> Handle:
    try:
        check_secret_name(name)
        handle = Handle.parse(reference)
    except InvalidInput as err:
        raise _refused(
            f"Secret {name} of project '{project_id}' is recorded badly: {err}"
        ) from None
    # A project reads its own secrets and its tenant's shared ones, never another project's.
    if handle.kind != "secret" or handle.scope not in (project_id, TENANT_SCOPE):
        raise _refused(f"Secret {name} of project '{project_id}' points at {handle}, not its own")
    return handle


def _refused(message: str) -> ApplicationError:
    return ApplicationError(message, type="InvalidInput", non_retryable=True)
