"""events.once_key: an activity retried after a crash writes its event once

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.add_column(
            sa.Column('once_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch.create_index('ix_events_once_key', ['once_key'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.drop_index('ix_events_once_key')
        batch.drop_column('once_key')
