"""A workflow history as text with every payload decrypted: what a leak check must search.

Raw history is ciphertext under the codec, so searching it alone proves nothing about what a
workflow carried; this decrypts each payload with the client's codec and appends it.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.client import Client


async def decoded_history(client: Client, history_json: dict[str, Any]) -> str:
    """The raw history with every payload decrypted by the codec and decoded next to it."""
    payloads: list[Payload] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("data"), str) and "metadata" in node:
                metadata = {k: base64.b64decode(v) for k, v in node["metadata"].items()}
                payloads.append(Payload(metadata=metadata, data=base64.b64decode(node["data"])))
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(history_json)
    codec = client.data_converter.payload_codec
    assert codec is not None
    decoded = await codec.decode(payloads)
    return "\n".join(
        [json.dumps(history_json), *(p.data.decode(errors="replace") for p in decoded)]
    )
