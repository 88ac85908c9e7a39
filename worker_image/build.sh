#!/usr/bin/env bash
# Build (or find up to date) the worker image on the engine at DOCKER_HOST:
# a base imported from a debootstrap root filesystem, then the Dockerfile on it.
# Same as `orchestrator image build`; see adapters/sandbox/docker_image.py.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/orchestrator image build "$@"
