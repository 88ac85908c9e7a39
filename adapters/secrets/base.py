"""The secret store: values by handle, per tenant; nothing here ever logs or returns a value
except `get`, which only the activity that needs the value calls, at the last moment."""

from __future__ import annotations

from typing import Protocol

from core.handles import Handle

# Internal tenant holding the orchestrator's own keys (the workflow-history keys).
SYSTEM_TENANT = "_system"


class SecretStore(Protocol):
    name: str

    def get(self, tenant_id: str, handle: Handle) -> str:
        """The value; UnknownHandle (naming the handle) when there is none."""
        ...

    def has(self, tenant_id: str, handle: Handle) -> bool: ...

    def put(self, tenant_id: str, handle: Handle, value: str) -> None:
        """Create or replace; the value is validated by the caller (core.handles)."""
        ...

    def put_if_absent(self, tenant_id: str, handle: Handle, value: str) -> str:
        """Store `value` unless the handle has one; returns the value kept. Atomic across
        processes: two that race both get the first one's value."""
        ...

    def delete(self, tenant_id: str, handle: Handle) -> bool:
        """True when something was removed."""
        ...

    def handles(self, tenant_id: str, scope: str | None = None) -> list[Handle]:
        """Every secret handle of the tenant (of one project when `scope` is given)."""
        ...

    def load_all(self) -> int:
        """Read every tenant's file once so their values are masked; returns how many."""
        ...
