"""Reach the Docker engine SANDBOX_KIND=docker runs on, or say plainly that none answers."""

from __future__ import annotations

import os
from typing import Any

import docker
import requests
from docker.errors import DockerException

from core.errors import ServiceUnavailable

DEFAULT_SOCKET = "unix:///var/run/docker.sock"


def engine_address() -> str:
    # The SDK's own convention, so `docker` on the command line talks to the same engine.
    return os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET


def connect(timeout_s: float = 10.0) -> Any:
    """A docker.DockerClient whose engine answered a ping; never a silent fallback."""
    address = engine_address()
    try:
        client = docker.DockerClient(base_url=address, timeout=int(max(timeout_s, 1)))
        client.ping()
    except (DockerException, requests.RequestException, OSError) as exc:
        raise ServiceUnavailable(
            f"SANDBOX_KIND=docker but no Docker engine answers at {address} ({exc}). "
            "Start one (scripts/dockerd.sh start prints the DOCKER_HOST to export), point "
            "DOCKER_HOST at a running engine, or choose another SANDBOX_KIND"
        ) from None
    return client
