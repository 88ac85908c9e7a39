"""The codec endpoint the Web UI and `temporal` CLI decode history with: the token is required,
the Web UI's CORS preflight succeeds, and nothing else of the API is opened to that origin."""

from __future__ import annotations

import base64

import httpx

from adapters.secrets.codec_token import codec_token
from adapters.secrets.factory import build_secret_store
from tests.api.client import client_for
from tests.stack import Stack

IDEA = "Quokka census for the Rottnest lighthouse"


async def sealed_body(stack: Stack) -> dict:
    [payload] = await stack.client.data_converter.encode([IDEA])
    return {
        "payloads": [
            {
                "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
                "data": base64.b64encode(payload.data).decode(),
            }
        ]
    }


def clear_data(response: httpx.Response) -> bytes:
    [payload] = response.json()["payloads"]
    assert base64.b64decode(payload["metadata"]["encoding"]) == b"json/plain"
    return base64.b64decode(payload["data"])


async def test_decode_needs_the_token_and_then_shows_the_clear_payload(stack: Stack):
    token = codec_token(build_secret_store(stack.settings))
    body = await sealed_body(stack)
    async with client_for(stack) as api:
        missing = await api.post("/codec/decode", json=body)
        wrong = await api.post(
            "/codec/decode", json=body, headers={"Authorization": f"Bearer {token}x"}
        )
        not_bearer = await api.post("/codec/decode", json=body, headers={"Authorization": token})
        decoded = await api.post(
            "/codec/decode", json=body, headers={"Authorization": f"Bearer {token}"}
        )

    for refused in (missing, wrong, not_bearer):
        assert refused.status_code == 401, refused.text
        assert refused.headers["www-authenticate"] == "Bearer"
        assert IDEA not in refused.text
    assert decoded.status_code == 200, decoded.text
    assert clear_data(decoded) == f'"{IDEA}"'.encode()


async def test_the_token_in_the_path_serves_the_embedded_web_ui_and_nobody_without_it(
    stack: Stack,
):
    token = codec_token(build_secret_store(stack.settings))
    body = await sealed_body(stack)
    async with client_for(stack) as api:
        decoded = await api.post(f"/codec/t/{token}/decode", json=body)
        wrong_last = "B" if token.endswith("A") else "A"  # never the token itself
        guessed = await api.post(f"/codec/t/{token[:-1]}{wrong_last}/decode", json=body)
        encoded = await api.post(
            f"/codec/t/{token}/encode", json={"payloads": [decoded.json()["payloads"][0]]}
        )
        again = await api.post(f"/codec/t/{token}/decode", json=encoded.json())

    assert decoded.status_code == 200 and clear_data(decoded) == f'"{IDEA}"'.encode()
    assert guessed.status_code == 401
    assert encoded.status_code == 200
    [reencoded] = encoded.json()["payloads"]
    assert base64.b64decode(reencoded["metadata"]["encoding"]) == b"binary/encrypted"
    assert IDEA.encode() not in base64.b64decode(reencoded["data"])
    assert clear_data(again) == f'"{IDEA}"'.encode()


async def test_bad_payloads_are_refused_clearly(stack: Stack):
    token = codec_token(build_secret_store(stack.settings))
    headers = {"Authorization": f"Bearer {token}"}
    foreign = {
        "payloads": [
            {
                "metadata": {
                    "encoding": base64.b64encode(b"binary/encrypted").decode(),
                    "encryption-key-id": base64.b64encode(b"HISTORY_KEY_99").decode(),
                },
                "data": base64.b64encode(b"\x00" * 40).decode(),
            }
        ]
    }
    async with client_for(stack) as api:
        unknown_key = await api.post("/codec/decode", json=foreign, headers=headers)
        not_base64 = await api.post(
            "/codec/decode", json={"payloads": [{"data": "%%%"}]}, headers=headers
        )
    assert unknown_key.status_code == 422 and "HISTORY_KEY_99" in unknown_key.json()["detail"]
    assert not_base64.status_code == 422 and "base64" in not_base64.json()["detail"]


async def test_the_web_ui_preflight_succeeds_for_the_codec_only(stack: Stack):
    origin = stack.settings.temporal.ui_url
    preflight = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    async with client_for(stack) as api:
        codec = await api.options("/codec/decode", headers=preflight)
        path_token = await api.options("/codec/t/anything/decode", headers=preflight)
        stranger = await api.options(
            "/codec/decode", headers={**preflight, "Origin": "http://evil.example"}
        )
        projects = await api.options("/projects", headers=preflight)
        refused = await api.post("/codec/decode", json={"payloads": []}, headers={"Origin": origin})

    for allowed in (codec, path_token):
        assert allowed.status_code == 200, allowed.text
        assert allowed.headers["access-control-allow-origin"] == origin
        assert "POST" in allowed.headers["access-control-allow-methods"]
        requested = {"authorization", "content-type", "x-namespace"}
        assert requested <= set(allowed.headers["access-control-allow-headers"].lower().split(", "))
    assert "access-control-allow-origin" not in stranger.headers
    assert "access-control-allow-origin" not in projects.headers
    # The browser can read the 401 (so the UI can say why), still without the token's help.
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == origin
