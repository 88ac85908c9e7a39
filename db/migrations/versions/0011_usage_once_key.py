"""llm_usage.once_key: one activity attempt's calls are recorded once, however often it records

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('llm_usage') as batch:
        batch.add_column(
            sa.Column('once_key', sqlmodel.sql.sqltypes.AutoString(length=240), nullable=True)
        )
        batch.create_index('ix_llm_usage_once_key', ['once_key'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('llm_usage') as batch:
        batch.drop_index('ix_llm_usage_once_key')
        batch.drop_column('once_key')
