"""`orchestrator secrets` and `resources`: values in through stdin, names and handles out."""

from __future__ import annotations

import asyncio

from adapters.secrets.factory import build_secret_store
from core.handles import Handle
from tests.cli.secrets_runner import cli
from tests.stack import Stack

VALUE = "ghp-cli-test-value-0123456789"


async def run(stack: Stack, *args: str, stdin: str = "") -> tuple[int, str]:
    return await asyncio.to_thread(cli, stack, *args, stdin=stdin)


async def test_a_tenant_secret_is_set_from_stdin_listed_by_handle_and_removed(stack: Stack):
    code, out = await run(stack, "secrets", "set", "--tenant-wide", "GITHUB_TOKEN", stdin=VALUE)
    assert code == 0 and "stored GITHUB_TOKEN as secret://_/GITHUB_TOKEN" in out, out
    code, out = await run(stack, "secrets", "list")
    assert code == 0 and "secret://_/GITHUB_TOKEN" in out and VALUE not in out, out
    code, out = await run(stack, "secrets", "rm", "--tenant-wide", "GITHUB_TOKEN")
    assert code == 0 and "removed secret://_/GITHUB_TOKEN" in out, out
    code, out = await run(stack, "secrets", "rm", "--tenant-wide", "GITHUB_TOKEN")
    assert code == 1 and "no secret secret://_/GITHUB_TOKEN" in out, out
    code, out = await run(stack, "secrets", "list")
    assert code == 0 and "no secrets" in out


async def test_bad_values_names_and_projects_are_refused_and_never_echoed(stack: Stack):
    project = await stack.services.submit("Weather forecast service for my city")
    code, out = await run(stack, "secrets", "set", project.id, "WEATHER_API_KEY", stdin="\n")
    assert code == 1 and "the value of WEATHER_API_KEY is empty" in out, out
    two_lines = f"{VALUE}\nsecond line\n"
    code, out = await run(stack, "secrets", "set", project.id, "WEATHER_API_KEY", stdin=two_lines)
    assert code == 1 and "has a line break" in out and VALUE not in out, out
    code, out = await run(stack, "secrets", "set", project.id, "weather", stdin=VALUE)
    assert code == 1 and "'weather' is not a secret name" in out, out
    code, out = await run(stack, "secrets", "set", "nope", "WEATHER_API_KEY", stdin=VALUE)
    assert code == 1 and "no project 'nope'" in out and VALUE not in out, out
    code, out = await run(stack, "secrets", "set", project.id, stdin=VALUE)
    assert code == 1 and "give the project and the NAME" in out, out
    code, out = await run(stack, "resources", "nope")
    assert code == 1 and "no project 'nope'" in out, out
    code, out = await run(stack, "secrets", "list", project.id)
    assert code == 0 and "no secrets" in out, out


async def test_a_pem_key_keeps_its_lines_with_multiline_and_is_refused_without(stack: Stack):
    pem = (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEow-cli-test-key-body\n-----END RSA PRIVATE KEY-----\n"
    )
    args = ("secrets", "set", "--tenant-wide", "GITHUB_APP_KEY")
    code, out = await run(stack, *args, stdin=pem)
    assert code == 1 and "has a line break" in out, out

    code, out = await run(stack, *args, "--multiline", stdin=pem)

    assert code == 0 and "stored GITHUB_APP_KEY as secret://_/GITHUB_APP_KEY" in out, out
    assert "MIIEow" not in out
    store = build_secret_store(stack.settings)
    assert store.get(stack.settings.tenant, Handle.secret("_", "GITHUB_APP_KEY")) == pem
