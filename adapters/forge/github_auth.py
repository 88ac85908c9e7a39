"""Who the GitHub forge acts as: a GitHub App installation, or a person's token.

Both read their secret from the store by handle when a token is needed, never from the
environment. An App's installation token lives one hour; it is cached and replaced a
margin before it expires, so neither a REST call nor a `git push` ever presents a dead one.
A token for a project's work is scoped to that project's repository (a token leaked from
one project's push opens no other repository); only finding the account and creating a
repository use an installation-wide token, narrowed to the Administration permission.
Every token handed out is added to the known secrets, so a log line that quotes one
shows a handle instead.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

from github import Auth, Github, GithubIntegration
from github.InstallationAuthorization import InstallationAuthorization

from adapters.secrets.base import SecretStore
from core.errors import InvalidInput
from core.handles import Handle
from core.known_secrets import KNOWN_SECRETS

INSTALLATION_TOKEN = "secret://_/GITHUB_INSTALLATION_TOKEN"  # what a minted token is masked as
# Replace a token when this much of its life is left (at most REFRESH_MARGIN_S): a push that
# starts just before expiry must still finish with it.
REFRESH_MARGIN_S = 300.0
REFRESH_FRACTION = 0.25
# What the installation-wide token may do: create repositories (and read their metadata).
# Everything on a repository's contents and pull requests uses a token scoped to it.
INSTALLATION_WIDE_PERMISSIONS = {"administration": "write", "metadata": "read"}


@dataclass(frozen=True)
class Account:
    """Where repositories are created: an organisation, or the token's own user."""

    login: str
    is_org: bool


class TokenSource(Protocol):
    def token(self, repository: str | None = None) -> str:
        """A token valid now for `repository` (a name in the account), or for the account when
        None (blocking: may ask GitHub for a new one)."""
        ...

    def account(self) -> Account: ...


def client_kwargs(base_url: str) -> dict[str, object]:
    # No sleeping inside PyGithub: a rate limit is raised, and the activity is retried later.
    return {
        "base_url": base_url.rstrip("/"),
        "seconds_between_requests": 0,
        "seconds_between_writes": 0,
        "retry": 0,
        "timeout": 30,
    }


class LiveToken(Auth.Auth):
    """PyGithub auth that asks the source on every request, so a refresh is seen at once."""

    def __init__(self, source: TokenSource, repository: str | None = None) -> None:
        self._source, self._repository = source, repository

    @property
    def token_type(self) -> str:
        return "token"

    @property
    def token(self) -> str:
        return self._source.token(self._repository)

    @property
    def _masked_token(self) -> str:
        return "token (removed)"


class PersonalToken:
    def __init__(self, *, store: SecretStore, tenant_id: str, handle: Handle, base_url: str):
        self._store, self._tenant_id, self._handle = store, tenant_id, handle
        self._base_url = base_url
        self._login: str | None = None

    def token(self, repository: str | None = None) -> str:
        # A personal token's reach is what its owner gave it; GitHub cannot narrow it per call.
        # Read each time (the store caches its file): a rotated token is used at once.
        return self._store.get(self._tenant_id, self._handle)

    def account(self) -> Account:
        if self._login is None:
            github = Github(auth=LiveToken(self), **client_kwargs(self._base_url))  # type: ignore[arg-type]
            self._login = github.get_user().login
        return Account(self._login, is_org=False)


class AppInstallation:
    """JWT (RS256, the App's private key) → installation token, cached until near expiry."""

    def __init__(
        self,
        *,
        store: SecretStore,
        tenant_id: str,
        app_id: str,
        key_handle: Handle,
        base_url: str,
        installation_id: int | None,
        owner_hint: str,
    ) -> None:
        self._store, self._tenant_id, self._key_handle = store, tenant_id, key_handle
        self._app_id, self._base_url = app_id, base_url
        self._installation_id, self._owner_hint = installation_id, owner_hint
        self._lock = threading.Lock()
        # One cache per scope: a repository's name, or None for the installation-wide token.
        self._tokens: dict[str | None, _Minted] = {}
        self._account: Account | None = None

    def _integration(self) -> GithubIntegration:
        key = self._store.get(self._tenant_id, self._key_handle)
        auth = Auth.AppAuth(self._app_id, key)
        return GithubIntegration(auth=auth, **client_kwargs(self._base_url))  # type: ignore[arg-type]

    def _find_installation(self, integration: GithubIntegration) -> tuple[int, Account]:
        found = []
        for inst in integration.get_installations():
            raw = inst.raw_data.get("account") or {}
            found.append(
                (inst.id, Account(raw.get("login", ""), raw.get("type") == "Organization"))
            )
        for inst_id, account in found:
            if inst_id == self._installation_id or (
                self._installation_id is None and account.login == self._owner_hint
            ):
                return inst_id, account
        if self._installation_id is None and len(found) == 1:
            return found[0]
        names = ", ".join(f"{a.login} (id {i})" for i, a in found) or "none"
        raise InvalidInput(
            f"GitHub App {self._app_id}: cannot tell which installation to use (installed on: "
            f"{names}); set FORGE_GITHUB_INSTALLATION_ID or FORGE_OWNER to the account"
        )

    def account(self) -> Account:
        with self._lock:
            if self._account is None:
                self._installation_id, self._account = self._find_installation(self._integration())
            return self._account

    def token(self, repository: str | None = None) -> str:
        self.account()
        with self._lock:
            cached = self._tokens.get(repository)
            if cached is None or time.time() >= cached.refresh_at:
                cached = self._mint(repository, previous=cached)
            return cached.token

    def _mint(self, repository: str | None, previous: _Minted | None) -> _Minted:
        assert self._installation_id is not None
        integration = self._integration()
        # PyGithub's get_access_token takes permissions only; the REST call takes the
        # repositories too, so it is made here through the same requester.
        body: dict[str, object] = (
            {"repositories": [repository]}
            if repository is not None
            else {"permissions": INSTALLATION_WIDE_PERMISSIONS}
        )
        headers, response = integration.requester.requestJsonAndCheck(
            "POST",
            f"/app/installations/{self._installation_id}/access_tokens",
            headers={"Accept": "application/vnd.github+json"},
            input=body,
        )
        granted = InstallationAuthorization(integration.requester, headers, response)
        lifetime = max(0.0, granted.expires_at.timestamp() - time.time())
        margin = min(REFRESH_MARGIN_S, lifetime * REFRESH_FRACTION)
        if previous is not None and previous.previous is not None:
            KNOWN_SECRETS.forget(previous.previous)  # two generations per scope stay masked
        minted = _Minted(
            granted.token,
            refresh_at=time.time() + lifetime - margin,
            previous=previous.token if previous is not None else None,
        )
        self._tokens[repository] = minted
        KNOWN_SECRETS.add(granted.token, INSTALLATION_TOKEN)
        return minted


@dataclass(frozen=True)
class _Minted:
    token: str = field(repr=False)  # a repr in a traceback or a debug line must not show it
    refresh_at: float
    previous: str | None = field(repr=False)  # the token this one replaced, still masked in logs
