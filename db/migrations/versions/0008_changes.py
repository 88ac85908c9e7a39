"""changes: change requests to live projects, in order, with status and the release they made

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_str = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', _str(length=64), nullable=False),
        sa.Column('project_id', _str(length=64), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('requested_by', _str(length=128), nullable=False),
        sa.Column('status', _str(length=32), nullable=False),
        sa.Column('stage', _str(length=32), nullable=False),
        sa.Column('stages', sa.JSON(), nullable=True),
        sa.Column('spec_delta', sa.JSON(), nullable=True),
        sa.Column('release_id', _str(length=128), nullable=True),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('workflow_id', _str(length=128), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id']),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('project_id', 'number'),
    )
    op.create_index('ix_changes_tenant_id', 'changes', ['tenant_id'])
    op.create_index('ix_changes_project_id', 'changes', ['project_id'])
    op.create_index('ix_changes_status', 'changes', ['status'])


def downgrade() -> None:
    op.drop_index('ix_changes_status', table_name='changes')
    op.drop_index('ix_changes_project_id', table_name='changes')
    op.drop_index('ix_changes_tenant_id', table_name='changes')
    op.drop_table('changes')
