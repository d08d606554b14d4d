"""change notices: an event setting, on unless the organisers turn it off at a release

Revision ID: 6233df0f8a0a
Revises: a78896440ca9
Create Date: 2026-12-06 19:52:54.176667+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db

revision: str = '6233df0f8a0a'
down_revision: str | None = 'a78896440ca9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch rebuild: on SQLite, rebuilding `event` would drop the table that
    # every event's rows cascade from.
    op.add_column('event', sa.Column('change_notices', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    op.drop_column('event', 'change_notices')
