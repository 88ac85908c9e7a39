"""A whole project on (fake) GitHub through the real PyGithub client and real `git push`.

The App's installation tokens live 4 s here, so they expire many times over the project;
the first repository call is refused as rate limited. The project must still be built,
each token refreshed before git or the API ever presents a dead one, the rate limit waited
out by the activity's retry, and no token (nor the App's key) be found in any log line,
command line, child environment, git config, event, file of the data dir or workflow history.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import httpx

from adapters.secrets.factory import build_secret_store
from core.settings import ForgeSettings, Settings
from db.engine import transaction
from db.repositories import events
from tests.decoded_history import decoded_history
from tests.fakes import github_git
from tests.fakes.github_server import FakeGitHub
from tests.github_forge import APP_KEY
from tests.log_capture import production_logging
from tests.proc_env import ProcessRecorder, files_holding
from tests.stack import Stack
from worker.composition import build_worker

TOKEN_LIFETIME_S = 4.0
RATE_LIMIT_RESET_S = 3.0


def github_settings(stack: Stack, fake: FakeGitHub) -> Settings:
    store = build_secret_store(stack.settings)
    store.put(stack.settings.tenant, APP_KEY, fake.state.private_key_pem)
    forge = ForgeSettings(
        kind="github",
        github_url=fake.api_url,
        github_app_id=str(fake.state.app_id),
        github_app_key_handle=str(APP_KEY),
        merge_method="squash",
    )
    return stack.settings.model_copy(update={"forge": forge})


async def test_a_project_is_built_on_github_through_expiring_tokens_and_a_rate_limit(
    stack: Stack, tmp_path: Path
) -> None:
    with FakeGitHub(tmp_path / "github", token_lifetime_s=TOKEN_LIFETIME_S) as fake:
        settings = github_settings(stack, fake)
        fake.state.rate_limit(status=403, reset_in=RATE_LIMIT_RESET_S, path_prefix="/repos/")
        watched = [(settings.workspaces_dir, "**/git/config"), (tmp_path / "github", "*/*/config")]
        with (
            production_logging() as logs,
            ProcessRecorder(os.getpid(), globs=watched) as recorder,
        ):
            async with build_worker(stack.client, settings, stack.sessions):
                project = await stack.services.submit("Weather bot with notifications")
                state = await stack.services.handle(project).result()
                history = await decoded_history(
                    stack.client,
                    (await stack.services.handle(project).fetch_history()).to_json_dict(),
                )

        assert state.status == "completed", state.error
        async with httpx.AsyncClient(timeout=5) as http:
            assert (await http.get(f"{state.live_url}/health")).status_code == 200

        # The repository: in the App installation's organisation, private, main protected.
        (repo,) = fake.state.repos.values()
        assert repo.owner == "acme" and repo.owner_type == "Organization"
        assert repo.protection is not None and repo.protection["allow_force_pushes"] is False
        stored = await stack.services.get(project.id)
        assert stored.repository_url == f"{fake.api_url}/web/acme/{repo.name}"
        # One pull request per task, opened and merged by the App with the configured method.
        assert len(repo.pulls) == 3 and all(p.merged for p in repo.pulls)
        assert {p.user for p in repo.pulls} == {"orchestrator-factory[bot]"}
        assert github_git.git("rev-list", "--merges", "main", git_dir=repo.bare) == ""

        # Tokens: minted again and again, never presented after expiry, git got them too.
        tokens = [t.token for t in fake.state.issued]
        # The first token, then at least one refresh (a fast run may need no more).
        assert len(set(tokens)) >= 2, "the installation token was never refreshed"
        assert fake.state.refused_expired == []
        pushes = fake.requests_to("POST", "/git-receive-pack")
        assert pushes and all(
            r.headers.get("Authorization", "").startswith("Basic ") for r in pushes
        )
        # Git asks for a token before every push: each one it presented was issued and valid
        # (how many distinct ones depends on how fast the run was).
        used_by_git = {r.headers["Authorization"] for r in fake.requests_to("POST", "/git/")}
        issued = {
            "Basic " + base64.b64encode(f"x-access-token:{t}".encode()).decode() for t in tokens
        }
        assert used_by_git and used_by_git <= issued, "git presented a token the fake never issued"

        # The rate limit: refused once, and nothing asked again before its reset.
        (refused,) = [r for r in fake.state.requests if r.status == 403]
        after = [
            r for r in fake.state.requests if r.at > refused.at and r.path.startswith("/repos/")
        ]
        assert after and after[0].at >= refused.at + RATE_LIMIT_RESET_S - 1.0

        async with transaction(stack.sessions) as session:
            rows = await events.list_for_project(
                session=session, tenant_id=stored.tenant_id, project_id=project.id
            )
        assert any(e.kind == "activity_retried" for e in rows)

        # No token and no line of the App's key anywhere we can look.
        key_line = fake.state.private_key_pem.splitlines()[5]
        secrets = [t.encode() for t in tokens] + [key_line.encode()]
        assert [c for c in recorder.commands() if "git" in c], "no git process was watched"
        assert recorder.holding(secrets) == []
        assert any("config" in p for p in recorder.files), "no git config was read"
        text = logs.getvalue() + history + "".join(f"{e.message}{e.payload}" for e in rows)
        assert not [s for s in secrets if s.decode() in text]
        assert files_holding(settings.data_dir, secrets) == []
        assert files_holding(tmp_path / "github", secrets) == []
