"""servers: the inventory deploys go to over SSH, with what the last check saw

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0007'
# Re-chained at merge: after 0006_releases.
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_str = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'servers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', _str(length=64), nullable=False),
        sa.Column('name', _str(length=64), nullable=False),
        sa.Column('host', _str(length=255), nullable=False),
        sa.Column('port', sa.Integer(), nullable=False),
        sa.Column('user', _str(length=64), nullable=False),
        sa.Column('key_handle', _str(length=200), nullable=False),
        sa.Column('status', _str(length=16), nullable=False),
        sa.Column('free_disk_mb', sa.Integer(), nullable=True),
        sa.Column('free_memory_mb', sa.Integer(), nullable=True),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('tenant_id', 'name'),
    )
    op.create_index('ix_servers_tenant_id', 'servers', ['tenant_id'])


def downgrade() -> None:
    op.drop_index('ix_servers_tenant_id', table_name='servers')
    op.drop_table('servers')
