"""speaker profile stamp: profiles are published as edited, caches of the released programme key on it

Revision ID: b7e3c1a94d20
Revises: 5f0c2d7e9a41
Create Date: 2026-12-06 04:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "b7e3c1a94d20"
down_revision: str | None = "5f0c2d7e9a41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain added column: rebuilding `speaker` on SQLite would cascade into its session roles.
    op.add_column("speaker", sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), not a batch rebuild, for the same reason.
    op.drop_column("speaker", "updated_at")
