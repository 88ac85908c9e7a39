"""Who the GitHub forge acts as: a GitHub App installation, or a person's token.

Both read their secret from the store by handle when a token is needed, never from the
environment. An App's installation token lives one hour; it is cached and replaced a
margin before it expires, so neither a REST call nor a `git push` ever presents a dead one.
Every token handed out is added to the known secrets, so a log line that quotes one
shows a handle instead.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

from github import Auth, Github, GithubIntegration

from adapters.secrets.base import SecretStore
from core.errors import InvalidInput
from core.handles import Handle
from core.known_secrets import KNOWN_SECRETS

INSTALLATION_TOKEN = "secret://_/GITHUB_INSTALLATION_TOKEN"  # what a minted token is masked as
# Replace a token when this much of its life is left (at most REFRESH_MARGIN_S): a push that
# starts just before expiry must still finish with it.
REFRESH_MARGIN_S = 300.0
REFRESH_FRACTION = 0.25


@dataclass(frozen=True)
class Account:
    """Where repositories are created: an organisation, or the token's own user."""

    login: str
    is_org: bool


class TokenSource(Protocol):
    def token(self) -> str:
        """A token valid now (blocking: may ask GitHub for a new one)."""
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

    def __init__(self, source: TokenSource) -> None:
        self._source = source

    @property
    def token_type(self) -> str:
        return "token"

    @property
    def token(self) -> str:
        return self._source.token()

    @property
    def _masked_token(self) -> str:
        return "token (removed)"


class PersonalToken:
    def __init__(self, *, store: SecretStore, tenant_id: str, handle: Handle, base_url: str):
        self._store, self._tenant_id, self._handle = store, tenant_id, handle
        self._base_url = base_url
        self._login: str | None = None

    def token(self) -> str:
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
        self._token: str | None = None
        self._refresh_at = 0.0
        self._previous: str | None = None
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

    def token(self) -> str:
        self.account()
        with self._lock:
            if self._token is None or time.time() >= self._refresh_at:
                self._mint()
            assert self._token is not None
            return self._token

    def _mint(self) -> None:
        assert self._installation_id is not None
        granted = self._integration().get_access_token(self._installation_id)
        lifetime = max(0.0, granted.expires_at.timestamp() - time.time())
        margin = min(REFRESH_MARGIN_S, lifetime * REFRESH_FRACTION)
        if self._previous is not None:
            KNOWN_SECRETS.forget(self._previous)  # two generations stay masked
        self._previous, self._token = self._token, granted.token
        self._refresh_at = time.time() + lifetime - margin
        KNOWN_SECRETS.add(granted.token, INSTALLATION_TOKEN)
