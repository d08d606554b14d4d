"""programme changed at: the draft programme's own stamp, apart from the event's details

Revision ID: c41d7a2e9b63
Revises: b7e3c1a94d20
Create Date: 2026-12-06 05:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "c41d7a2e9b63"
down_revision: str | None = "b7e3c1a94d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain added column: rebuilding `event` on SQLite would cascade into everything that points at it.
    op.add_column("event", sa.Column("programme_changed_at", app.db.UTCDateTime(timezone=True), nullable=True))
    # Until now the event's own stamp stood for the programme's as well.
    op.execute("UPDATE event SET programme_changed_at = updated_at")


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), not a batch rebuild, for the same reason.
    op.drop_column("event", "programme_changed_at")
