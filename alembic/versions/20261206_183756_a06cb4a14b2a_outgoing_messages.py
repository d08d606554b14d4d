"""outgoing messages: every email saved with the change that causes it, delivered by the task queue,
listed in the mail log

Revision ID: a06cb4a14b2a
Revises: e7f3f15baa33
Create Date: 2026-12-06 18:37:56.238815+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db

revision: str = 'a06cb4a14b2a'
down_revision: str | None = 'e7f3f15baa33'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outgoing_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('queued', 'sending', 'sent', 'retrying', 'failed', name='mailstatus', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_outgoing_message_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_message'))
    )
    with op.batch_alter_table('outgoing_message', schema=None) as batch_op:
        batch_op.create_index('ix_outgoing_message_event_id_created_at', ['event_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_message_recipient'), ['recipient'], unique=False)
        batch_op.create_index('ix_outgoing_message_status_updated_at', ['status', 'updated_at'], unique=False)

    op.create_table('outgoing_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('mime_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['outgoing_message.id'], name=op.f('fk_outgoing_attachment_message_id_outgoing_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_attachment'))
    )
    with op.batch_alter_table('outgoing_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_attachment_message_id'), ['message_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outgoing_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_attachment_message_id'))

    op.drop_table('outgoing_attachment')
    with op.batch_alter_table('outgoing_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_message_status_updated_at')
        batch_op.drop_index(batch_op.f('ix_outgoing_message_recipient'))
        batch_op.drop_index('ix_outgoing_message_event_id_created_at')

    op.drop_table('outgoing_message')
