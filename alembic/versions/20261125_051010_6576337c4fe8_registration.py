"""registration

Revision ID: 6576337c4fe8
Revises: 26083a96c7d1
Create Date: 2026-11-25 05:10:10.527184+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db

revision: str = '6576337c4fe8'
down_revision: str | None = '26083a96c7d1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('registration_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('opens_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closes_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('in_person_seats', sa.Integer(), nullable=True),
    sa.Column('online_places', sa.Integer(), nullable=True),
    sa.Column('requires_approval', sa.Boolean(), nullable=False),
    sa.Column('waiting_list', sa.Boolean(), nullable=False),
    sa.Column('privacy_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_registration_form_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_form')),
    sa.UniqueConstraint('event_id', name=op.f('uq_registration_form_event_id'))
    )
    op.create_table('registration_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('expires_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_registration_invitation_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_invitation'))
    )
    with op.batch_alter_table('registration_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_invitation_event_id'), ['event_id'], unique=False)

    op.create_table('registration_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('kind', sa.Enum('text', 'single_choice', 'multiple_choice', 'checkbox', name='questionkind', native_enum=False, length=20), nullable=False),
    sa.Column('options', sa.Text(), nullable=False),
    sa.Column('is_required', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_registration_question_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_question'))
    )
    with op.batch_alter_table('registration_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_question_event_id'), ['event_id'], unique=False)

    op.create_table('registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('affiliation', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('mode', sa.Enum('in_person', 'online', name='attendancechoice', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'waiting', 'cancelled', 'rejected', name='registrationstatus', native_enum=False, length=20), nullable=False),
    sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('calendar_secret', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=True),
    sa.Column('consented_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('waiting_since', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checked_in_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_registration_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invitation_id'], ['registration_invitation.id'], name=op.f('fk_registration_invitation_id_registration_invitation'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration')),
    sa.UniqueConstraint('calendar_secret', name=op.f('uq_registration_calendar_secret')),
    sa.UniqueConstraint('secret', name=op.f('uq_registration_secret'))
    )
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.create_index('ix_registration_event_status_mode', ['event_id', 'status', 'mode'], unique=False)
        batch_op.create_index('uq_registration_active_email', ['event_id', 'email'], unique=True, sqlite_where=sa.text("status IN ('pending', 'confirmed', 'waiting')"), postgresql_where=sa.text("status IN ('pending', 'confirmed', 'waiting')"))

    op.create_table('registration_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['registration_question.id'], name=op.f('fk_registration_answer_question_id_registration_question'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_registration_answer_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_answer')),
    sa.UniqueConstraint('registration_id', 'question_id', name=op.f('uq_registration_answer_registration_id_question_id'))
    )
    with op.batch_alter_table('registration_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_answer_registration_id'), ['registration_id'], unique=False)

    op.create_table('registration_session_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('confirmed', 'waiting', name='choicestatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_registration_session_choice_registration_id_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['programme_session.id'], name=op.f('fk_registration_session_choice_session_id_programme_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_session_choice')),
    sa.UniqueConstraint('registration_id', 'session_id', name=op.f('uq_registration_session_choice_registration_id_session_id'))
    )
    with op.batch_alter_table('registration_session_choice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_session_choice_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_session_choice_session_id'), ['session_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('registration_session_choice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_session_choice_session_id'))
        batch_op.drop_index(batch_op.f('ix_registration_session_choice_registration_id'))

    op.drop_table('registration_session_choice')
    with op.batch_alter_table('registration_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_answer_registration_id'))

    op.drop_table('registration_answer')
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index('uq_registration_active_email', sqlite_where=sa.text("status IN ('pending', 'confirmed', 'waiting')"), postgresql_where=sa.text("status IN ('pending', 'confirmed', 'waiting')"))
        batch_op.drop_index('ix_registration_event_status_mode')

    op.drop_table('registration')
    with op.batch_alter_table('registration_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_question_event_id'))

    op.drop_table('registration_question')
    with op.batch_alter_table('registration_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_invitation_event_id'))

    op.drop_table('registration_invitation')
    op.drop_table('registration_form')
