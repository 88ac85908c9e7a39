"""A local forge on real git and SQLite, for attacks on what host git runs."""

from __future__ import annotations

from tests.local_forge import forge, repo, sessions  # noqa: E402, F401 - shared fixtures
