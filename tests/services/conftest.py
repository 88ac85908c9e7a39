"""Services run against a migrated database, on SQLite and on PostgreSQL like db/ tests."""

from tests.db.conftest import database_url, sessions  # noqa: F401
