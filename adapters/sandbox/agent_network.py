"""Which Docker network an external coding agent may join (SANDBOX_AGENT_NETWORK)."""

from __future__ import annotations

from core.errors import InvalidInput


def refuse_shared_network(network: str) -> None:
    """A network of the agent's own (a bridge one) is fine; the host's network or another
    container's would put the agent beside the worker's own services (API, Temporal, the
    database on loopback), so they are refused."""
    if network == "host" or network.startswith("container:"):
        raise InvalidInput(
            f"SANDBOX_AGENT_NETWORK={network!r} would let the agent reach the worker's own "
            "services (API, Temporal, database on loopback): name a bridge network of its own "
            "instead (docker network create llm-egress), or leave it empty for none"
        )
