"""telegram: invites, chat per project with its status message, handled updates, outbox, prompts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_str = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'telegram_invites',
        sa.Column('code', _str(length=64), nullable=False),
        sa.Column('tenant_id', _str(length=64), nullable=False),
        sa.Column('created_by', sa.BigInteger(), nullable=False),
        sa.Column('used_by', sa.BigInteger(), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id']),
        sa.PrimaryKeyConstraint('code'),
    )
    op.create_index('ix_telegram_invites_tenant_id', 'telegram_invites', ['tenant_id'])
    op.create_table(
        'telegram_chats',
        sa.Column('project_id', _str(length=64), nullable=False),
        sa.Column('tenant_id', _str(length=64), nullable=False),
        sa.Column('chat_id', sa.BigInteger(), nullable=False),
        sa.Column('status_message_id', sa.BigInteger(), nullable=True),
        sa.Column('status_text', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id']),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id']),
        sa.PrimaryKeyConstraint('project_id'),
    )
    op.create_index('ix_telegram_chats_tenant_id', 'telegram_chats', ['tenant_id'])
    op.create_index('ix_telegram_chats_chat_id', 'telegram_chats', ['chat_id'])
    op.create_table(
        'telegram_updates',
        sa.Column('update_id', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('update_id'),
    )
    op.create_table(
        'telegram_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', _str(length=64), nullable=False),
        sa.Column('project_id', _str(length=64), nullable=True),
        sa.Column('chat_id', sa.BigInteger(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('markup', sa.JSON(), nullable=True),
        sa.Column('item_id', _str(length=64), nullable=True),
        sa.Column('once_key', _str(length=240), nullable=False),
        sa.Column('message_id', sa.BigInteger(), nullable=True),
        sa.Column('sent', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('once_key'),
    )
    op.create_index('ix_telegram_outbox_tenant_id', 'telegram_outbox', ['tenant_id'])
    op.create_index('ix_telegram_outbox_project_id', 'telegram_outbox', ['project_id'])
    op.create_index('ix_telegram_outbox_chat_id', 'telegram_outbox', ['chat_id'])
    op.create_index('ix_telegram_outbox_sent', 'telegram_outbox', ['sent'])
    op.create_table(
        'telegram_prompts',
        sa.Column('chat_id', sa.BigInteger(), nullable=False),
        sa.Column('message_id', sa.BigInteger(), nullable=False),
        sa.Column('item_id', _str(length=64), nullable=False),
        sa.Column('choice', _str(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('chat_id', 'message_id'),
    )


def downgrade() -> None:
    op.drop_table('telegram_prompts')
    for index in ('sent', 'chat_id', 'project_id', 'tenant_id'):
        op.drop_index(f'ix_telegram_outbox_{index}', table_name='telegram_outbox')
    op.drop_table('telegram_outbox')
    op.drop_table('telegram_updates')
    op.drop_index('ix_telegram_chats_chat_id', table_name='telegram_chats')
    op.drop_index('ix_telegram_chats_tenant_id', table_name='telegram_chats')
    op.drop_table('telegram_chats')
    op.drop_index('ix_telegram_invites_tenant_id', table_name='telegram_invites')
    op.drop_table('telegram_invites')
