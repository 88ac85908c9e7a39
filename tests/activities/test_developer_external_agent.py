"""developer.write_code with an external CLI agent in the real Docker sandbox: what it leaves in
its home stays out of the branch, a secret it writes into the work tree is never pushed, a
timed-out agent's half-done work is not pushed, and each run says its spend is not metered.

Real database, local forge and git, Docker engine and secret store; the "agent" is a shell
command template run by the worker image's entrypoint, as `claude -p {prompt}` would be.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.context import ActivityContext
from activities.developer import DeveloperActivities
from adapters.forge.local import LocalForge
from adapters.secrets.factory import build_secret_store
from adapters.secrets.sops import SopsSecretStore
from agents.external_agent import ExternalAgent
from core.contracts import DeveloperInput
from core.handles import Handle
from core.known_secrets import KnownSecrets
from core.settings import Settings
from db.engine import SessionFactory, transaction
from db.repositories import events, tasks
from tests.activities.test_developer_transcript import (
    TENANT,
    _project_with_task,
    big_file_each_step,
)
from tests.adapters.test_ansible_deployer import _git
from tests.agents.scripted_model import ScriptedToolModel
from tests.docker_engine import docker_sandbox
from tests.local_forge import sessions  # noqa: F401 - fixture

KEY = "sk-agent-key-never-pushed-5d1e"
HANDLE = Handle.secret("_", "MODEL_KEY")
# Writes a session log with the key in its home, as CLI agents do, and a file of work.
HOME_LOG = 'mkdir -p "$HOME/.agent" && echo "key=$MODEL_KEY" > "$HOME/.agent/session.log"'


async def _write_code(
    sessions: SessionFactory,  # noqa: F811
    tmp_path: Path,
    image: str,
    template: str,
    timeout_s: float = 120.0,
    description: str = "",
    keyed: bool = True,
) -> tuple[Path, str, BaseException | None]:
    settings = Settings(home=tmp_path / "home")
    store = build_secret_store(settings)
    if keyed:
        store.put(TENANT, HANDLE, KEY)
    forge = LocalForge(root=tmp_path / "forge", sessions=sessions, tenant_id=TENANT)
    project_id = await _project_with_task(sessions, forge, tmp_path / "work")
    if description:
        async with transaction(sessions) as session:
            await tasks.upsert(
                session=session,
                tenant_id=TENANT,
                project_id=project_id,
                key="notes",
                title="Notes",
                description=description,
                files=["notes.md"],
            )
    ctx = ActivityContext(settings=settings, sessions=sessions, secrets=store)
    agent = ExternalAgent(
        template=template,
        key_handle=HANDLE if keyed else None,
        key_env="MODEL_KEY" if keyed else "",
        timeout_s=timeout_s,
    )
    sandbox = docker_sandbox(image, tmp_path / "slots", pool_size=0)
    developer = DeveloperActivities(
        ctx, ScriptedToolModel(big_file_each_step), forge, sandbox, external=agent
    )
    failure: BaseException | None = None
    try:
        await ActivityEnvironment().run(
            developer.write_code,
            DeveloperInput(project_id=project_id, tenant_id=TENANT, task_key="notes"),
        )
    except ApplicationError as exc:
        failure = exc
    finally:
        sandbox.close()
    return tmp_path / "forge", project_id, failure


def _pushed(forge: Path) -> str:
    """Everything every pushed task branch holds, files and messages, as one text."""
    (bare,) = forge.rglob("*.git")
    refs = _git(bare, "for-each-ref", "--format=%(refname)", "refs/heads/task/").split()
    return "".join(_git(bare, "log", "-p", "--all", "--format=%B", ref) for ref in refs)


async def _event_kinds(sessions: SessionFactory, project_id: str) -> list[str]:  # noqa: F811
    async with transaction(sessions) as session:
        rows = await events.list_for_project(
            session=session, tenant_id=TENANT, project_id=project_id
        )
    return [row.kind for row in rows]


async def test_what_the_agent_keeps_in_its_home_is_not_pushed_and_its_spend_is_flagged(
    sessions: SessionFactory,  # noqa: F811
    tmp_path: Path,
    agent_image: str,
) -> None:
    template = f'{HOME_LOG} && echo "$HOME" > notes.md; : {{prompt}}'
    forge, project_id, failure = await _write_code(sessions, tmp_path, agent_image, template)

    assert failure is None
    pushed = _pushed(forge)
    assert "+/tmp" in pushed, "the agent's home is on the container's tmpfs"
    assert KEY not in pushed and "session.log" not in pushed
    assert (await _event_kinds(sessions, project_id)).count("usage_unmetered") == 1


async def test_a_secret_the_agent_writes_into_the_work_tree_is_never_pushed(
    sessions: SessionFactory,  # noqa: F811
    tmp_path: Path,
    agent_image: str,
) -> None:
    template = f'{HOME_LOG} && echo "token = $MODEL_KEY" > config.py; : {{prompt}}'
    forge, project_id, failure = await _write_code(sessions, tmp_path, agent_image, template)

    assert failure is not None
    assert "not pushed" in str(failure) and "config.py:1" in str(failure)
    assert str(HANDLE) in str(failure) and KEY not in str(failure)
    assert KEY not in _pushed(forge)
    assert "secret_in_branch" in await _event_kinds(sessions, project_id)


async def test_a_timed_out_agent_fails_the_task_without_pushing_its_half_done_work(
    sessions: SessionFactory,  # noqa: F811
    tmp_path: Path,
    agent_image: str,
) -> None:
    template = "echo half > notes.md && sleep 60; : {prompt}"
    forge, project_id, failure = await _write_code(
        sessions, tmp_path, agent_image, template, timeout_s=3.0
    )

    assert failure is not None and "timed out" in str(failure), failure
    assert "nothing was pushed" in str(failure)
    assert _pushed(forge) == ""
    assert "coding_agent_stopped" in await _event_kinds(sessions, project_id)


async def test_a_value_set_by_another_process_is_masked_in_the_agents_prompt(
    sessions: SessionFactory,  # noqa: F811
    tmp_path: Path,
    agent_image: str,
) -> None:
    value = f"pw-{uuid.uuid4().hex}"
    handle = Handle.secret("_", "DB_PASSWORD")
    settings = Settings(home=tmp_path / "home")
    build_secret_store(settings)  # the worker's store: it makes the age key
    # An agent without a key of ours: reading one would read the tenant's file anyway.
    # The owner's CLI, a process of its own: this worker learns the value only from the file.
    owners = SopsSecretStore(settings.secrets_dir, settings.age_key_file, known=KnownSecrets())
    owners.put(TENANT, handle, value)
    template = "printf '%s' {prompt} > notes.md"
    description = f"Connect with the password {value}."
    forge, _, failure = await _write_code(
        sessions, tmp_path, agent_image, template, description=description, keyed=False
    )

    assert failure is None, failure
    pushed = _pushed(forge)
    assert f"Connect with the password {handle}." in pushed
    assert value not in pushed
