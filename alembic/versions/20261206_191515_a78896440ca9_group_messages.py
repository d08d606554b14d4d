"""group messages

Revision ID: a78896440ca9
Revises: a06cb4a14b2a
Create Date: 2026-12-06 19:15:15.256040+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db

revision: str = 'a78896440ca9'
down_revision: str | None = 'a06cb4a14b2a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'group_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column(
            'audience',
            sa.Enum(
                'registrants', 'confirmed_in_person', 'confirmed_online', 'waiting_list', 'not_checked_in',
                'session_registrants', 'speakers', 'without_slides', 'chairs',
                name='audience', native_enum=False, length=20,
            ),
            nullable=False,
        ),
        sa.Column('session_ids', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column(
            'status',
            sa.Enum('sending', 'sent', 'stopped', name='groupmessagestatus', native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column('total_recipients', sa.Integer(), nullable=False),
        sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('started_at', app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['author_id'], ['account_user.id'], name=op.f('fk_group_message_author_id_account_user'),
            ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['event_id'], ['event.id'], name=op.f('fk_group_message_event_id_event'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_group_message')),
    )
    op.create_index(op.f('ix_group_message_event_id'), 'group_message', ['event_id'], unique=False)

    # On SQLite, a plain ADD COLUMN with its named REFERENCES inline: a batch rebuild of outgoing_message
    # (to add the foreign key afterwards) would drop the table its attachments cascade from. No ON DELETE:
    # SQLite does not report one written inline, and a group message goes only with its event, which
    # takes its messages along.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            'ALTER TABLE outgoing_message ADD COLUMN group_message_id INTEGER'
            ' CONSTRAINT fk_outgoing_message_group_message_id_group_message'
            ' REFERENCES group_message (id)'
        )
    else:
        op.add_column('outgoing_message', sa.Column('group_message_id', sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f('fk_outgoing_message_group_message_id_group_message'),
            'outgoing_message',
            'group_message',
            ['group_message_id'],
            ['id'],
        )
    op.create_index(
        op.f('ix_outgoing_message_group_message_id'), 'outgoing_message', ['group_message_id'], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_outgoing_message_group_message_id'), table_name='outgoing_message')
    # Plain DROP COLUMN (SQLite 3.35+), not a batch rebuild. SQLite refuses to drop a column that a
    # foreign key of its own table names, so there the constraint goes with the column only on PostgreSQL.
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(
            op.f('fk_outgoing_message_group_message_id_group_message'), 'outgoing_message', type_='foreignkey'
        )
    op.drop_column('outgoing_message', 'group_message_id')
    op.drop_index(op.f('ix_group_message_event_id'), table_name='group_message')
    op.drop_table('group_message')
