"""developer.write_code keeps a long session's transcript on disk and returns only its path.

Real database, real local forge and git, the process sandbox; the model is a scripted
stand-in for an external provider. The activity runs in Temporal's ActivityEnvironment and
its result goes through the project's own data converter, as it would into history.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from temporalio.testing import ActivityEnvironment

from activities.context import ActivityContext
from activities.developer import DeveloperActivities
from adapters.forge.local import LocalForge
from adapters.llm.base import ToolCall
from adapters.sandbox.process import ProcessSandbox
from adapters.secrets.factory import build_secret_store
from adapters.secrets.history_keys import history_converter
from agents.offline_model import draft_spec
from agents.scaffold import TEMPLATE_DIR
from agents.transcript import read_transcript
from core.contracts import CodedBranch, DeveloperInput
from core.settings import CodingSettings, Settings
from db.engine import SessionFactory, transaction
from db.repositories import events, projects, tasks, tenants
from tests.adapters.test_ansible_deployer import _git
from tests.agents.scripted_model import ScriptedToolModel
from tests.local_forge import sessions  # noqa: F401 - fixture

TENANT = "t1"
BIG = 60_000  # characters written per step: a session far larger than a history payload


def big_file_each_step(step: int) -> ToolCall:
    content = f"# step {step}\n" + "x" * BIG
    return ToolCall(f"c{step}", "write_file", {"path": f"notes/{step}.md", "content": content})


async def _project_with_task(sessions: SessionFactory, forge: LocalForge, work: Path) -> str:  # noqa: F811
    repo = await forge.ensure_repository(owner="orchestrator", name="notes", description="Notes")
    _git(work.parent, "clone", repo.clone_url, str(work))
    shutil.copytree(TEMPLATE_DIR, work, dirs_exist_ok=True)
    _git(work, "add", "-A")
    _git(work, "commit", "-m", "template")
    _git(work, "push", "origin", "HEAD:main")
    async with transaction(sessions) as session:
        await tenants.ensure_tenant(session=session, tenant_id=TENANT)
        project = await projects.create(
            session=session, tenant_id=TENANT, name="Notes", idea="A notes service"
        )
        spec = draft_spec("A notes service").model_dump()
        await projects.update(
            session=session, project=project, spec=spec, config={"repo_name": "notes"}
        )
        await tasks.upsert(
            session=session,
            tenant_id=TENANT,
            project_id=project.id,
            key="notes",
            title="Notes",
            description="Write notes.",
            files=["routes/notes.py"],
        )
    return project.id


async def test_a_long_session_returns_its_transcript_by_reference(
    sessions: SessionFactory,  # noqa: F811
    tmp_path: Path,
) -> None:
    settings = Settings(home=tmp_path / "home", coding=CodingSettings(max_steps=40))
    forge = LocalForge(root=tmp_path / "forge", sessions=sessions, tenant_id=TENANT)
    project_id = await _project_with_task(sessions, forge, tmp_path / "work")
    ctx = ActivityContext(
        settings=settings, sessions=sessions, secrets=build_secret_store(settings)
    )
    developer = DeveloperActivities(
        ctx, ScriptedToolModel(big_file_each_step), forge, ProcessSandbox()
    )

    coded: CodedBranch = await ActivityEnvironment().run(
        developer.write_code,
        DeveloperInput(project_id=project_id, tenant_id=TENANT, task_key="notes"),
    )

    assert (coded.finished, coded.stop) == (False, "step_limit")
    assert "Stopped after 40 steps" in coded.summary
    transcript = settings.data_dir / coded.transcript
    assert coded.transcript.startswith(f"transcripts/{project_id}/notes-r1-a")
    assert transcript.stat().st_size > 2 * 1024 * 1024, "the session itself is over 2 MB"
    entries = read_transcript(transcript)
    assert entries[-1]["stop"] == "step_limit"
    assert sum(1 for e in entries if e["role"] == "assistant") == 40
    # What enters workflow history is the result, encoded as the worker would encode it.
    payloads = await history_converter(build_secret_store(settings)).encode([coded])
    assert payloads[0].ByteSize() < 4096

    async with transaction(sessions) as session:
        logged = await events.list_for_project(
            session=session, tenant_id=TENANT, project_id=project_id
        )
    stopped = [e for e in logged if e.kind == "coding_agent_stopped"]
    assert len(stopped) == 1 and stopped[0].payload["transcript"] == coded.transcript
    written = next(e for e in logged if e.kind == "code_written")
    assert written.payload["stop"] == "step_limit" and written.payload["steps"] == 40
