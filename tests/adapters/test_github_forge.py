"""What only the GitHub forge does: App auth, rate limits, git credentials, review rules."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from github import Auth, Github, GithubException

from adapters.forge import git
from adapters.forge.base import RepoInfo, Review, ReviewComment
from adapters.forge.credentials import GitCredential
from adapters.forge.github import GitHubForge
from adapters.secrets.sops import SopsSecretStore
from core.errors import InvalidInput, RateLimited
from tests.fakes.github_server import FakeGitHub
from tests.fakes.github_state import Installation
from tests.github_forge import (
    app_settings,
    github_forge,
    secret_store,
    token_settings,
)


@pytest.fixture
def store(tmp_path: Path) -> SopsSecretStore:
    return secret_store(tmp_path / "secrets")


async def pushed(forge: GitHubForge, repo: RepoInfo, work: Path, files: dict[str, str]) -> str:
    clone = await git.clone(repo.clone_url, work, credential=await forge.git_credential(repo))
    await git.checkout_new_branch(clone, "task/a")
    for name, content in files.items():
        (work / name).write_text(content)
    sha = await git.commit_all(clone, "work")
    assert sha is not None
    await git.push(
        clone, "task/a", remote=repo.clone_url, credential=await forge.git_credential(repo)
    )
    return sha


async def test_the_app_creates_a_protected_private_repository_in_its_installation_org(
    fake_github: FakeGitHub, store: SopsSecretStore, tmp_path: Path
) -> None:
    forge = github_forge(app_settings(fake_github, store), store, tmp_path)

    repo = await forge.ensure_repository(owner="ignored", name="shop", description="A shop.")

    stored = fake_github.state.repo("acme", "shop")
    assert stored is not None and repo.owner == "acme" and stored.owner_type == "Organization"
    assert fake_github.requests_to("POST", "/orgs/acme/repos")
    assert stored.protection is not None
    wanted = ("enforce_admins", "allow_force_pushes", "allow_deletions")
    # Reviews not required: the factory cannot approve its own pull requests.
    assert stored.protection["required_pull_request_reviews"] is None
    assert {k: stored.protection[k] for k in wanted} == dict.fromkeys(wanted, False)
    # The App's JWT (checked by the fake against the App's public key) bought the tokens:
    # one for the account (to create the repository), one scoped to the repository.
    minted = fake_github.requests_to("POST", "/app/installations/101/access_tokens")
    assert len(minted) == 2
    assert all(m.headers["Authorization"].startswith("Bearer ey") for m in minted)
    assert [m.status for m in minted] == [201, 201]
    # Protected: a force push to main is refused by the server.
    work = tmp_path / "w"
    clone = await git.clone(repo.clone_url, work, credential=await forge.git_credential(repo))
    await git.run("commit", "--quiet", "--amend", "-m", "rewritten", repo=clone)
    with pytest.raises(git.GitError, match="rejected|denied|non-fast-forward"):
        await git.push(
            clone,
            "main",
            remote=repo.clone_url,
            force=True,
            credential=await forge.git_credential(repo),
        )


async def test_a_personal_token_creates_under_its_user(
    fake_github: FakeGitHub, store: SopsSecretStore, tmp_path: Path
) -> None:
    forge = github_forge(token_settings(fake_github, store, login="octo"), store, tmp_path)

    repo = await forge.ensure_repository(owner="orchestrator", name="shop", description="")

    assert (repo.owner, repo.web_url) == ("octo", f"{fake_github.api_url}/web/octo/shop")
    assert fake_github.requests_to("POST", "/user/repos")


async def test_an_app_installed_twice_needs_to_be_told_which(
    tmp_path: Path, store: SopsSecretStore
) -> None:
    with FakeGitHub(
        tmp_path / "gh", installation=Installation(7, "octo-org", "Organization")
    ) as fake:
        forge = github_forge(app_settings(fake, store, owner="someone-else"), store, tmp_path)
        # One installation only: it is used whatever FORGE_OWNER says.
        repo = await forge.ensure_repository(owner="x", name="one", description="")
        assert repo.owner == "octo-org"
        lost = github_forge(app_settings(fake, store, github_installation_id=8), store, tmp_path)
        with pytest.raises(InvalidInput, match="FORGE_GITHUB_INSTALLATION_ID"):
            await lost.ensure_repository(owner="x", name="two", description="")


async def test_an_installation_token_is_replaced_before_it_expires(
    tmp_path: Path, store: SopsSecretStore
) -> None:
    with FakeGitHub(tmp_path / "gh", token_lifetime_s=2.0) as fake:
        forge = github_forge(app_settings(fake, store), store, tmp_path)
        repo = await forge.ensure_repository(owner="acme", name="shop", description="")
        first = await forge.git_credential(repo)
        await asyncio.sleep(1.6)  # past the refresh margin (a quarter of the life), before expiry
        second = await forge.git_credential(repo)
        await pushed(forge, repo, tmp_path / "w", {"a.txt": "a\n"})

    assert first is not None and second is not None and first.password != second.password
    assert len(fake.state.issued) >= 2 and fake.state.refused_expired == []


async def test_git_refuses_an_expired_token_and_no_credential_is_kept(
    tmp_path: Path, store: SopsSecretStore
) -> None:
    with FakeGitHub(tmp_path / "gh", token_lifetime_s=1.0) as fake:
        forge = github_forge(app_settings(fake, store), store, tmp_path)
        repo = await forge.ensure_repository(owner="acme", name="shop", description="")
        stale = fake.state.issued[-1].token
        await asyncio.sleep(1.1)
        with pytest.raises(git.GitError) as refused:
            await git.clone(
                repo.clone_url, tmp_path / "x", credential=GitCredential("x-access-token", stale)
            )
        assert stale not in str(refused.value)
        assert fake.state.refused_expired
        with pytest.raises(git.GitError):  # and without a credential, nothing at all
            await git.clone(repo.clone_url, tmp_path / "y")
        await pushed(forge, repo, tmp_path / "w", {"a.txt": "a\n"})

    config = (tmp_path / "w" / ".git" / "config").read_text()
    tokens = [t.token for t in fake.state.issued]
    assert repo.clone_url in config and not [t for t in tokens if t in config]
    assert not list((tmp_path / "w").rglob("*credentials*"))


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"), [(403, None, (1.0, 4.0)), (429, 7, (7.0, 7.0))]
)
async def test_a_rate_limit_becomes_a_retry_delay(
    fake_github: FakeGitHub,
    store: SopsSecretStore,
    tmp_path: Path,
    status: int,
    retry_after: int | None,
    expected: tuple[float, float],
) -> None:
    forge = github_forge(token_settings(fake_github, store), store, tmp_path)
    repo = await forge.ensure_repository(owner="x", name="shop", description="")
    fake_github.state.rate_limit(status=status, reset_in=3.0, retry_after=retry_after)

    with pytest.raises(RateLimited) as limited:
        await forge.list_pull_requests(repo=repo)

    low, high = expected
    assert low <= limited.value.retry_after_s <= high
    assert await forge.list_pull_requests(repo=repo) == []  # the limit was for one request


async def test_own_pull_requests_get_the_verdict_as_a_comment_review_and_stray_lines_in_the_body(
    fake_github: FakeGitHub, store: SopsSecretStore, tmp_path: Path
) -> None:
    forge = github_forge(app_settings(fake_github, store), store, tmp_path)
    repo = await forge.ensure_repository(owner="acme", name="shop", description="")
    head = await pushed(forge, repo, tmp_path / "w", {"app.py": "x = 1\n"})
    pr = await forge.open_pull_request(repo=repo, branch="task/a", title="A", body="")
    review = Review(
        verdict="request_changes",
        body="Two things.",
        comments=(
            ReviewComment("app.py", 1, "name x better"),
            ReviewComment("README.md", 1, "mention the app"),  # not in the diff
        ),
        head_sha=head,
    )

    await forge.submit_review(repo=repo, number=pr.number, review=review)
    (back,) = await forge.list_reviews(repo=repo, number=pr.number)

    stored = fake_github.state.repo("acme", "shop")
    assert stored is not None
    (posted,) = stored.reviews[pr.number]
    assert posted.state == "COMMENTED" and "**Changes requested**" in posted.body
    assert back.verdict == "request_changes" and back.head_sha == head
    assert back.comments == (ReviewComment("app.py", 1, "name x better"),)
    assert (
        back.body.startswith("Two things.") and "`README.md` line 1: mention the app" in back.body
    )


async def test_an_installation_token_opens_only_its_own_projects_repository(
    fake_github: FakeGitHub, store: SopsSecretStore, tmp_path: Path
) -> None:
    forge = github_forge(app_settings(fake_github, store), store, tmp_path)
    shop = await forge.ensure_repository(owner="acme", name="shop", description="")
    blog = await forge.ensure_repository(owner="acme", name="blog", description="")
    await pushed(forge, shop, tmp_path / "w", {"app.py": "x = 1\n"})
    await forge.open_pull_request(repo=shop, branch="task/a", title="A", body="")
    shop_token = await forge.git_credential(shop)
    assert shop_token is not None

    # Every token git or the API used for the shop was scoped to the shop alone; only the
    # account-wide calls (creating repositories) used an unscoped one, narrowed to admin.
    by_token = {t.token: t for t in fake_github.state.issued}
    presented = {
        r.headers["Authorization"].split()[-1]
        for r in fake_github.state.requests
        if r.path.startswith("/repos/acme/shop/")
    }
    assert presented and {tuple(by_token[t].repositories or ()) for t in presented} == {("shop",)}
    unscoped = [t for t in fake_github.state.issued if t.repositories is None]
    assert unscoped and all(
        t.permissions == {"administration": "write", "metadata": "read"} for t in unscoped
    )
    assert fake_github.state.refused_scope == []

    # The shop's token is refused on the blog, by the API and by git, as GitHub does.
    with pytest.raises(GithubException) as api_refusal:
        Github(
            base_url=fake_github.api_url, auth=Auth.Token(shop_token.password), retry=0
        ).get_repo("acme/blog")
    assert api_refusal.value.status == 404
    with pytest.raises(git.GitError, match="403|denied"):
        await git.clone(blog.clone_url, tmp_path / "stolen", credential=shop_token)
    assert len(fake_github.state.refused_scope) == 2
    # While the blog's own token still works.
    await pushed(forge, blog, tmp_path / "b", {"post.md": "hello\n"})


async def test_a_token_for_a_repository_the_installation_lacks_is_refused(
    fake_github: FakeGitHub, store: SopsSecretStore, tmp_path: Path
) -> None:
    forge = github_forge(app_settings(fake_github, store), store, tmp_path)
    await forge.ensure_repository(owner="acme", name="shop", description="")
    ghost = RepoInfo(
        owner="acme",
        name="ghost",
        clone_url=f"{fake_github.api_url}/git/acme/ghost.git",
        web_url="",
        default_branch="main",
    )

    with pytest.raises(InvalidInput, match="does not exist or is not accessible"):
        await forge.git_credential(ghost)
