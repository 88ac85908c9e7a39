"""Connecting to Temporal and registering the search attributes runs are filtered by."""

from __future__ import annotations

import asyncio

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.service import RPCError

from core import search_attributes
from core.errors import ServiceUnavailable
from core.settings import TemporalSettings

SEARCH_ATTRIBUTES = search_attributes.NAMES


async def connect(
    settings: TemporalSettings, *, data_converter: DataConverter, wait_s: float = 0.0
) -> Client:
    """Connect, retrying for up to `wait_s` seconds; a clear error when nothing answers.

    `data_converter` is required so no client of ours forgets the history codec
    (adapters.secrets.history_keys.history_converter builds it)."""
    deadline = asyncio.get_running_loop().time() + wait_s
    while True:
        try:
            return await Client.connect(
                settings.target, namespace=settings.namespace, data_converter=data_converter
            )
        except RuntimeError as err:
            if asyncio.get_running_loop().time() >= deadline:
                raise ServiceUnavailable(
                    f"Temporal is not reachable at {settings.target} ({err}). "
                    "Start the stack with `orchestrator up` or set TEMPORAL_ADDRESS."
                ) from err
            await asyncio.sleep(0.3)


async def register_search_attributes(client: Client, namespace: str) -> None:
    """Idempotent: only the missing attributes are added (a cluster may already have them)."""
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    missing = {
        name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
        for name in SEARCH_ATTRIBUTES
        if name not in existing.custom_attributes
    }
    if not missing:
        return
    try:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    except RPCError as err:
        if "already exists" not in str(err):
            raise
