"""costs and budgets: each model call's price in US$, and spending limits per project and tenant

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_str = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    # Calls recorded before prices existed cost nothing: their price was never known.
    with op.batch_alter_table('llm_usage', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('cost_usd', sa.Float(), nullable=False, server_default='0')
        )
    op.create_table(
        'budgets',
        sa.Column('tenant_id', _str(length=64), nullable=False),
        sa.Column('project_id', _str(length=64), nullable=False),
        sa.Column('limit_usd', sa.Float(), nullable=False),
        sa.Column('set_by', _str(length=128), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id']),
        sa.PrimaryKeyConstraint('tenant_id', 'project_id'),
    )


def downgrade() -> None:
    op.drop_table('budgets')
    with op.batch_alter_table('llm_usage', schema=None) as batch_op:
        batch_op.drop_column('cost_usd')
