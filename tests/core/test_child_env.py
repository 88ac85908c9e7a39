"""child_environment: what a child process may inherit from ours, and what it may not."""

from __future__ import annotations

import os
import subprocess

import pytest

from core.child_env import PASSED_THROUGH, child_environment


@pytest.fixture
def operator_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment like an operator's: keys, tool settings and the ordinary names."""
    for name, value in {
        "LLM_API_KEY": "sk-unit-secret",
        "FORGE_GITHUB_TOKEN": "ghp_unit-secret",
        "TELEGRAM_BOT_TOKEN": "123:unit-secret",
        "DATABASE_URL": "postgresql+asyncpg://app:unit-secret@db/app",
        "AWS_SECRET_ACCESS_KEY": "unit-secret",
        "SSH_AUTH_SOCK": "/tmp/ssh-agent.sock",
        "GIT_DIR": "/elsewhere/.git",
        "PYTHONPATH": "/elsewhere",
        "LC_SECRET_TOKEN": "unit-secret",  # a prefix match would let this one through
        "PATH": "/opt/tools/bin:/usr/bin:/bin",
        "HOME": "/home/operator",
        "LANG": "de_DE.UTF-8",
        "LC_TIME": "en_GB.UTF-8",
        "TZ": "Europe/Berlin",
        "TMPDIR": "/var/tmp/operator",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.mark.usefixtures("operator_env")
def test_only_the_allowlisted_names_pass_through() -> None:
    assert child_environment() == {
        "PATH": "/opt/tools/bin:/usr/bin:/bin",
        "HOME": "/home/operator",
        "LANG": "de_DE.UTF-8",
        "LC_TIME": "en_GB.UTF-8",
        "TZ": "Europe/Berlin",
        "TMPDIR": "/var/tmp/operator",
    }


@pytest.mark.usefixtures("operator_env")
def test_no_value_of_a_secret_reaches_the_child_by_any_name() -> None:
    assert not [value for value in child_environment().values() if "secret" in value]


@pytest.mark.usefixtures("operator_env")
def test_extra_names_are_added_and_override_inherited_ones() -> None:
    env = child_environment({"PORT": "18001", "PATH": "/venv/bin:/usr/bin"})
    assert env["PORT"] == "18001"
    assert env["PATH"] == "/venv/bin:/usr/bin"
    assert "LLM_API_KEY" not in env


def test_a_key_passed_explicitly_is_the_callers_decision(operator_env: None) -> None:
    # The allowlist guards inheritance; what a caller hands over on purpose is passed as given.
    assert child_environment({"LLM_API_KEY": "given"})["LLM_API_KEY"] == "given"


def test_path_is_always_set_even_when_ours_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PATH", raising=False)
    assert child_environment()["PATH"] == os.defpath


def test_the_allowlist_holds_no_credential_like_names() -> None:
    assert not [
        name
        for name in PASSED_THROUGH
        if any(word in name for word in ("KEY", "TOKEN", "SECRET", "PASS", "AUTH", "URL"))
    ]


@pytest.mark.usefixtures("operator_env")
def test_a_real_child_sees_exactly_that_environment() -> None:
    env = child_environment({"PORT": "18001"})
    shown = subprocess.run(["/usr/bin/env", "-0"], env=env, capture_output=True, check=True).stdout
    seen = dict(item.split("=", 1) for item in shown.decode().split("\0") if item)
    assert seen == env
