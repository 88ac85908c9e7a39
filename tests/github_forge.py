"""A fake GitHub, the real secret store holding its credentials, and GitHub forges built on
them the way the worker builds them (adapters/forge/factory.py): fixtures for forge tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.forge.factory import build_forge
from adapters.forge.github import GitHubForge
from adapters.secrets.age_key import ensure_key
from adapters.secrets.base import SecretStore
from adapters.secrets.sops import SopsSecretStore
from core.handles import Handle
from core.settings import ForgeSettings
from db.engine import SessionFactory
from tests.fakes.github_server import FakeGitHub

TENANT = "t1"
APP_KEY = Handle.secret("_", "GITHUB_APP_KEY")
TOKEN = Handle.secret("_", "GITHUB_TOKEN")


@pytest.fixture
def fake_github(tmp_path: Path) -> Iterator[FakeGitHub]:
    with FakeGitHub(tmp_path / "fake-github") as server:
        yield server


def secret_store(directory: Path) -> SopsSecretStore:
    return SopsSecretStore(directory, ensure_key(directory / "age.key"))


def app_settings(server: FakeGitHub, store: SecretStore, **extra: object) -> ForgeSettings:
    """The App's private key goes into the store; settings name only its handle."""
    store.put(TENANT, APP_KEY, server.state.private_key_pem)
    return ForgeSettings(
        kind="github",
        github_url=server.api_url,
        github_app_id=str(server.state.app_id),
        github_app_key_handle=str(APP_KEY),
        **extra,  # type: ignore[arg-type]
    )


def token_settings(server: FakeGitHub, store: SecretStore, login: str = "octo") -> ForgeSettings:
    store.put(TENANT, TOKEN, server.state.add_user_token(login))
    return ForgeSettings(kind="github", github_url=server.api_url, github_token_handle=str(TOKEN))


def github_forge(settings: ForgeSettings, store: SecretStore, root: Path) -> GitHubForge:
    forge = build_forge(
        settings,
        root=root,
        sessions=_no_database,  # type: ignore[arg-type]
        tenant_id=TENANT,
        secrets=store,
    )
    assert isinstance(forge, GitHubForge)
    return forge


def _no_database() -> SessionFactory:
    raise AssertionError("the GitHub forge keeps nothing in the database")
