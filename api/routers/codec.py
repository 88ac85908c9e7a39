"""The codec endpoint (Temporal's codec-server protocol) so the Web UI and `temporal` CLI show
decrypted payloads: `POST /codec/decode` and `/codec/encode` with a bearer token.

The embedded dev server's Web UI cannot send a header, so it gets a base URL carrying the
token in its path (`/codec/t/<token>`), handed only to that server on loopback. Either way a
caller without the token gets 401.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from api.deps import ServicesDep
from api.errors import responses
from core.errors import InvalidInput, ServiceUnavailable

router = APIRouter(prefix="/codec", tags=["codec"])


class PayloadJson(BaseModel):
    """A Payload as protobuf JSON: metadata values and data in base64."""

    metadata: dict[str, str] = Field(default_factory=dict)
    data: str = ""


class PayloadsJson(BaseModel):
    payloads: list[PayloadJson] = Field(default_factory=list)


def _authorized(request: Request, token: str) -> None:
    expected: str = request.app.state.codec_token
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(
            401, "a codec token is required", headers={"WWW-Authenticate": "Bearer"}
        )


def bearer_token(request: Request) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    _authorized(request, token.strip() if scheme.lower() == "bearer" else "")


def path_token(request: Request, token: str) -> None:
    _authorized(request, token)


def _codec(services: ServicesDep) -> PayloadCodec:
    codec = services.client.data_converter.payload_codec
    if codec is None:  # every client we build has one; this guards a miswired process
        raise ServiceUnavailable("this API's Temporal client has no payload codec")
    return codec


CodecDep = Annotated[PayloadCodec, Depends(_codec)]
_STATUSES = responses(400, 401, 422, 503)


@router.post("/encode", dependencies=[Depends(bearer_token)], responses=_STATUSES)
async def encode(body: PayloadsJson, codec: CodecDep) -> PayloadsJson:
    return _as_json(await codec.encode(_payloads(body)))


@router.post("/decode", dependencies=[Depends(bearer_token)], responses=_STATUSES)
async def decode(body: PayloadsJson, codec: CodecDep) -> PayloadsJson:
    return _as_json(await codec.decode(_payloads(body)))


# Not in the schema: the token is part of the URL, which only the embedded server is given.
@router.post("/t/{token}/encode", dependencies=[Depends(path_token)], include_in_schema=False)
async def encode_with_path_token(body: PayloadsJson, codec: CodecDep) -> PayloadsJson:
    return _as_json(await codec.encode(_payloads(body)))


@router.post("/t/{token}/decode", dependencies=[Depends(path_token)], include_in_schema=False)
async def decode_with_path_token(body: PayloadsJson, codec: CodecDep) -> PayloadsJson:
    return _as_json(await codec.decode(_payloads(body)))


def _payloads(body: PayloadsJson) -> list[Payload]:
    try:
        return [
            Payload(
                metadata={k: base64.b64decode(v, validate=True) for k, v in p.metadata.items()},
                data=base64.b64decode(p.data, validate=True),
            )
            for p in body.payloads
        ]
    except binascii.Error:
        raise InvalidInput("payload metadata and data must be base64") from None


def _as_json(payloads: list[Payload]) -> PayloadsJson:
    return PayloadsJson(
        payloads=[
            PayloadJson(
                metadata={k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
                data=base64.b64encode(p.data).decode(),
            )
            for p in payloads
        ]
    )
