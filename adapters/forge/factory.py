"""Choose the forge backend from settings."""

from __future__ import annotations

from pathlib import Path

from adapters.forge.base import Forge
from adapters.forge.github import GitHubForge
from adapters.forge.github_auth import AppInstallation, PersonalToken, TokenSource
from adapters.forge.local import LocalForge
from adapters.secrets.base import SecretStore
from core.errors import InvalidInput
from core.handles import Handle
from core.settings import ForgeSettings
from db.engine import SessionFactory


def build_forge(
    settings: ForgeSettings,
    *,
    root: Path,
    sessions: SessionFactory,
    tenant_id: str,
    secrets: SecretStore,
) -> Forge:
    if settings.kind == "local":
        return LocalForge(root=root, sessions=sessions, tenant_id=tenant_id)
    source = github_token_source(settings, secrets=secrets, tenant_id=tenant_id)
    return GitHubForge(
        source=source, base_url=settings.github_url, merge_method=settings.merge_method
    )


def github_token_source(
    settings: ForgeSettings, *, secrets: SecretStore, tenant_id: str
) -> TokenSource:
    """The App when its id and key handle are set, else the personal token's handle.

    Only handles are checked here; the values are read when the first token is needed."""
    if settings.github_app_id and settings.github_app_key_handle:
        return AppInstallation(
            store=secrets,
            tenant_id=tenant_id,
            app_id=settings.github_app_id,
            key_handle=_secret_handle(
                settings.github_app_key_handle, "FORGE_GITHUB_APP_KEY_HANDLE"
            ),
            base_url=settings.github_url,
            installation_id=settings.github_installation_id,
            owner_hint=settings.owner,
        )
    if settings.github_token_handle:
        return PersonalToken(
            store=secrets,
            tenant_id=tenant_id,
            handle=_secret_handle(settings.github_token_handle, "FORGE_GITHUB_TOKEN_HANDLE"),
            base_url=settings.github_url,
        )
    raise InvalidInput(
        "FORGE_KIND=github needs credentials as secret handles: FORGE_GITHUB_APP_ID with "
        "FORGE_GITHUB_APP_KEY_HANDLE=secret://_/GITHUB_APP_KEY, or "
        "FORGE_GITHUB_TOKEN_HANDLE=secret://_/GITHUB_TOKEN (README, GitHub)"
    )


def _secret_handle(text: str, setting: str) -> Handle:
    handle = Handle.parse(text)
    if handle.kind != "secret":
        raise InvalidInput(f"{setting} must be a secret:// handle, not {handle.kind}://")
    return handle
