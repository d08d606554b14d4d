"""reminders and each person's language and time zone

Revision ID: 4d7836286d3f
Revises: 6233df0f8a0a
Create Date: 2026-12-06 21:11:40.754424+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db

revision: str = '4d7836286d3f'
down_revision: str | None = '6233df0f8a0a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs, not batch rebuilds: on SQLite, rebuilding `event` or `registration` would drop
    # the tables their children's rows cascade from.
    op.add_column('event', sa.Column('reminder_minutes_before', sa.Integer(), nullable=True))
    op.add_column(
        'registration',
        sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), server_default='', nullable=False),
    )
    op.add_column(
        'registration',
        sa.Column('time_zone', sqlmodel.sql.sqltypes.AutoString(length=64), server_default='', nullable=False),
    )
    op.add_column(
        'speaker',
        sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), server_default='', nullable=False),
    )


def downgrade() -> None:
    op.drop_column('speaker', 'language')
    op.drop_column('registration', 'time_zone')
    op.drop_column('registration', 'language')
    op.drop_column('event', 'reminder_minutes_before')
