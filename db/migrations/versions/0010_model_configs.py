"""model_configs: a model per role (provider, model, base URL, key handle, sampling)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 21:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_str = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'model_configs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', _str(length=64), nullable=False),
        sa.Column('role', _str(length=32), nullable=False),
        sa.Column('provider', _str(length=32), nullable=False),
        sa.Column('model', _str(length=128), nullable=False),
        sa.Column('base_url', _str(length=500), nullable=False),
        sa.Column('api_key_handle', _str(length=200), nullable=False),
        sa.Column('temperature', sa.Float(), nullable=True),
        sa.Column('max_tokens', sa.Integer(), nullable=True),
        sa.Column('prompt_version', _str(length=32), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('tenant_id', 'role'),
    )
    op.create_index('ix_model_configs_tenant_id', 'model_configs', ['tenant_id'])


def downgrade() -> None:
    op.drop_index('ix_model_configs_tenant_id', table_name='model_configs')
    op.drop_table('model_configs')
