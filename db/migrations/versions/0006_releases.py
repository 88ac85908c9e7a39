"""releases: numbered per project, who asked, which one serves; incidents' inbox items

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('deployments') as batch:
        batch.add_column(sa.Column('number', sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                'requested_by',
                sqlmodel.sql.sqltypes.AutoString(length=128),
                nullable=False,
                server_default='',
            )
        )
        batch.add_column(
            sa.Column(
                'serving',
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default='',
            )
        )
        batch.add_column(
            sa.Column('failed_checks', sa.Integer(), nullable=False, server_default='0')
        )
        batch.create_index('ix_deployments_number', ['number'])
    # Releases recorded before numbers existed: numbered in the order they were recorded,
    # and the last healthy one of each project is taken as the one serving.
    op.execute(
        """
        UPDATE deployments SET number = (
            SELECT COUNT(*) FROM deployments AS earlier
            WHERE earlier.project_id = deployments.project_id AND earlier.id <= deployments.id
        )
        """
    )
    op.execute(
        """
        UPDATE deployments SET serving = 'live'
        WHERE status = 'healthy' AND id = (
            SELECT MAX(latest.id) FROM deployments AS latest
            WHERE latest.project_id = deployments.project_id AND latest.status = 'healthy'
        )
        """
    )
    with op.batch_alter_table('inbox') as batch:
        batch.add_column(
            sa.Column('workflow_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('inbox') as batch:
        batch.drop_column('workflow_id')
    with op.batch_alter_table('deployments') as batch:
        batch.drop_index('ix_deployments_number')
        batch.drop_column('failed_checks')
        batch.drop_column('serving')
        batch.drop_column('requested_by')
        batch.drop_column('number')
