"""session joins and check-ins

Revision ID: 313b47be45b4
Revises: 4d7836286d3f
Create Date: 2026-12-06 21:38:37.796084+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = '313b47be45b4'
down_revision: str | None = '4d7836286d3f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # New tables only: nothing existing is rebuilt.
    op.create_table(
        'live_session_checkin',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('checked_in_at', app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['registration_id'],
            ['registration.id'],
            name=op.f('fk_live_session_checkin_registration_id_registration'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['session_id'],
            ['programme_session.id'],
            name=op.f('fk_live_session_checkin_session_id_programme_session'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_live_session_checkin')),
        sa.UniqueConstraint(
            'registration_id', 'session_id', name=op.f('uq_live_session_checkin_registration_id_session_id')
        ),
    )
    op.create_index(
        op.f('ix_live_session_checkin_session_id'), 'live_session_checkin', ['session_id'], unique=False
    )
    op.create_table(
        'live_session_join',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('joined_at', app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['registration_id'],
            ['registration.id'],
            name=op.f('fk_live_session_join_registration_id_registration'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['session_id'],
            ['programme_session.id'],
            name=op.f('fk_live_session_join_session_id_programme_session'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_live_session_join')),
        sa.UniqueConstraint(
            'registration_id', 'session_id', name=op.f('uq_live_session_join_registration_id_session_id')
        ),
    )
    op.create_index(op.f('ix_live_session_join_session_id'), 'live_session_join', ['session_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_live_session_join_session_id'), table_name='live_session_join')
    op.drop_table('live_session_join')
    op.drop_index(op.f('ix_live_session_checkin_session_id'), table_name='live_session_checkin')
    op.drop_table('live_session_checkin')
