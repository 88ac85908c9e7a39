"""forge_reviews: reviews (with their line comments) on the local forge's pull requests

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('forge_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('repo', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('verdict', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('comments', sa.JSON(), nullable=True),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('head_sha', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('repo', 'number', 'head_sha', 'verdict'),
    )
    with op.batch_alter_table('forge_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forge_reviews_repo'), ['repo'], unique=False)
        batch_op.create_index(batch_op.f('ix_forge_reviews_tenant_id'), ['tenant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('forge_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forge_reviews_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_forge_reviews_repo'))
    op.drop_table('forge_reviews')
