"""`orchestrator releases|readiness|deploy|rollback|stop|start` refuse bad input in words."""

from __future__ import annotations

from tests.cli.test_cli import orchestrator
from tests.stack import Stack


async def test_release_commands_on_a_project_that_was_never_deployed_say_why(stack: Stack):
    # Submitted with no worker on its queue: it never gets as far as a release.
    project = await stack.services.submit("Weather bot with notifications")

    code, out = await orchestrator(stack, "releases", project.id)
    assert code == 0 and f"project {project.id} has no releases yet" in out

    code, out = await orchestrator(stack, "readiness", project.id)
    assert code == 1 and "not ready" in out
    assert "spec: no spec yet" in out and "repository: no repository yet" in out

    for args, said in [
        (("deploy", project.id, "--release", "1"), "has no release 1 (it has no releases yet)"),
        (("deploy", project.id), "not ready to deploy: spec: no spec yet"),
        (("rollback", project.id), "has no releases yet: nothing to roll back"),
        (("rollback", project.id, "--to", "0"), "release numbers start at 1"),
        (("stop", project.id), "is not live: no release of it is running"),
        (("start", project.id), "is not live: no release of it is running"),
        (("stop", "nope"), "no project 'nope'"),
    ]:
        code, out = await orchestrator(stack, *args)
        assert code == 1, (args, out)
        assert "error:" in out and said in " ".join(out.split()), (args, out)
