"""audience questions polls feedback

Revision ID: fdddd96619c3
Revises: cdac435241df
Create Date: 2026-12-06 23:59:05.381651+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db

revision: str = 'fdddd96619c3'
down_revision: str | None = 'cdac435241df'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audience_poll',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('question', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('multiple_choice', sa.Boolean(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'open', 'closed', name='pollstate', native_enum=False, length=20), nullable=False),
    sa.Column('results_revealed', sa.Boolean(), nullable=False),
    sa.Column('on_projector', sa.Boolean(), nullable=False),
    sa.Column('voters', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['programme_session.id'], name=op.f('fk_audience_poll_session_id_programme_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audience_poll'))
    )
    with op.batch_alter_table('audience_poll', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audience_poll_session_id'), ['session_id'], unique=False)

    op.create_table('audience_settings',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('moderated', sa.Boolean(), nullable=False),
    sa.Column('closes_at_end', sa.Boolean(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('moderator_secret', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['programme_session.id'], name=op.f('fk_audience_settings_session_id_programme_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_audience_settings'))
    )
    op.create_table('session_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('voter_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_session_feedback_registration_id_registration'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['programme_session.id'], name=op.f('fk_session_feedback_session_id_programme_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_feedback')),
    sa.UniqueConstraint('session_id', 'voter_key', name=op.f('uq_session_feedback_session_id_voter_key'))
    )
    with op.batch_alter_table('session_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_feedback_session_id'), ['session_id'], unique=False)

    op.create_table('audience_poll_ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('voter_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('choices', sa.Text(), nullable=False),
    sa.Column('voted_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['audience_poll.id'], name=op.f('fk_audience_poll_ballot_poll_id_audience_poll'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audience_poll_ballot')),
    sa.UniqueConstraint('poll_id', 'voter_key', name=op.f('uq_audience_poll_ballot_poll_id_voter_key'))
    )
    op.create_table('audience_poll_option',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['audience_poll.id'], name=op.f('fk_audience_poll_option_poll_id_audience_poll'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audience_poll_option'))
    )
    with op.batch_alter_table('audience_poll_option', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audience_poll_option_poll_id'), ['poll_id'], unique=False)

    op.create_table('audience_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('origin', sa.Enum('room', 'online', name='questionorigin', native_enum=False, length=20), nullable=False),
    sa.Column('asker_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('state', sa.Enum('held', 'visible', 'answered', 'hidden', name='questionstate', native_enum=False, length=20), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('asked_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merged_into_id'], ['audience_question.id'], name=op.f('fk_audience_question_merged_into_id_audience_question'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['programme_session.id'], name=op.f('fk_audience_question_session_id_programme_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['talk_id'], ['talk.id'], name=op.f('fk_audience_question_talk_id_talk'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audience_question'))
    )
    with op.batch_alter_table('audience_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audience_question_asker_key'), ['asker_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_audience_question_session_id'), ['session_id'], unique=False)

    op.create_table('audience_question_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('voter_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('voted_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['audience_question.id'], name=op.f('fk_audience_question_vote_question_id_audience_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audience_question_vote')),
    sa.UniqueConstraint('question_id', 'voter_key', name=op.f('uq_audience_question_vote_question_id_voter_key'))
    )
    op.add_column('event', sa.Column('feedback_from_anyone', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade() -> None:
    # Not a batch rebuild: recreating `event` on SQLite would delete, by cascade, every row that points at it.
    op.drop_column('event', 'feedback_from_anyone')


    op.drop_table('audience_question_vote')
    with op.batch_alter_table('audience_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audience_question_session_id'))
        batch_op.drop_index(batch_op.f('ix_audience_question_asker_key'))

    op.drop_table('audience_question')
    with op.batch_alter_table('audience_poll_option', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audience_poll_option_poll_id'))

    op.drop_table('audience_poll_option')
    op.drop_table('audience_poll_ballot')
    with op.batch_alter_table('session_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_feedback_session_id'))

    op.drop_table('session_feedback')
    op.drop_table('audience_settings')
    with op.batch_alter_table('audience_poll', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audience_poll_session_id'))

    op.drop_table('audience_poll')
