"""`orchestrator up` as an operator runs it: comes up, answers, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyrage

from adapters.secrets.codec_token import codec_token
from adapters.secrets.factory import build_secret_store
from core.settings import Settings

ORCHESTRATOR = str(Path(sys.executable).parent / "orchestrator")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def up_env(home: Path, temporal: int, ui: int, api: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TEMPORAL_ADDRESS"}
    return {
        **env,
        "ORCHESTRATOR_HOME": str(home),
        "TEMPORAL_EMBEDDED_PORT": str(temporal),
        "TEMPORAL_UI_PORT": str(ui),
        "API_PORT": str(api),
    }


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, "orchestrator up exited early"
        try:
            response = httpx.get(url, timeout=1)
            if response.status_code == 200 and response.json()["status"] == "ok":
                return response.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never became healthy")


def test_up_serves_and_stops_everything_on_sigterm(tmp_path: Path):
    temporal, ui, api = free_port(), free_port(), free_port()
    log = tmp_path / "up.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [ORCHESTRATOR, "up"], env=up_env(tmp_path, temporal, ui, api), stdout=out, stderr=out
        )
    try:
        health = wait_healthy(f"http://127.0.0.1:{api}/health", process)
        assert health == {"status": "ok", "database": True, "temporal": True}
        assert httpx.get(f"http://127.0.0.1:{ui}/", timeout=5).status_code == 200  # the Web UI
        assert (tmp_path / "temporal.db").exists() and (tmp_path / "orchestrator.db").exists()
        assert_web_ui_decodes_through_the_api(tmp_path, ui, api)

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
    for port in (temporal, ui, api):  # nothing is left listening
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0
    assert not (tmp_path / "stack.pid").exists()


def assert_web_ui_decodes_through_the_api(home: Path, ui: int, api: int) -> None:
    """The embedded Web UI is told to decode at the API, and the API answers its browser."""
    token = codec_token(build_secret_store(Settings(home=home)))
    ui_settings = httpx.get(f"http://127.0.0.1:{ui}/api/v1/settings", timeout=5).json()
    endpoint = ui_settings["Codec"]["Endpoint"]
    assert endpoint == f"http://127.0.0.1:{api}/codec/t/{token}"
    origin = f"http://127.0.0.1:{ui}"
    preflight = httpx.options(
        f"{endpoint}/decode",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-namespace",
        },
        timeout=5,
    )
    assert preflight.headers.get("access-control-allow-origin") == origin
    decoded = httpx.post(f"{endpoint}/decode", json={"payloads": []}, timeout=5)
    assert decoded.status_code == 200 and decoded.json() == {"payloads": []}
    token_less = httpx.post(f"http://127.0.0.1:{api}/codec/decode", json={"payloads": []})
    assert token_less.status_code == 401


def test_a_wrong_age_key_stops_up_and_rotate_key_before_anything_starts(tmp_path: Path):
    env = up_env(tmp_path, free_port(), free_port(), free_port())
    rotated = subprocess.run(
        [ORCHESTRATOR, "secrets", "rotate-key"], env=env, capture_output=True, text=True
    )
    assert rotated.returncode == 0 and "HISTORY_KEY_2 is now current" in rotated.stdout
    keyring = tmp_path / "secrets" / "_system.sops.json"
    before = keyring.read_bytes()
    wrong = tmp_path / "wrong.key"
    wrong.write_text(f"{pyrage.x25519.Identity.generate()}\n")
    env = {**env, "SECRETS_AGE_KEY_FILE": str(wrong), "COLUMNS": "400"}

    for command in (["up"], ["secrets", "rotate-key"]):
        result = subprocess.run(
            [ORCHESTRATOR, *command], env=env, capture_output=True, text=True, timeout=60
        )
        output = " ".join((result.stdout + result.stderr).split())
        assert result.returncode == 1, output
        assert f"cannot decrypt {keyring}" in output and "Nothing was changed" in output
    assert keyring.read_bytes() == before
    assert not (tmp_path / "temporal.db").exists()  # the server never started


def test_up_fails_loudly_when_its_temporal_port_is_taken(tmp_path: Path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        result = subprocess.run(
            [ORCHESTRATOR, "up"],
            env=up_env(tmp_path, taken, free_port(), free_port()),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"port {taken} is already in use" in result.stdout + result.stderr
