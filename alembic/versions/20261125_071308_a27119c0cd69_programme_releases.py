"""Programme releases: numbered, frozen versions of an event's programme

Revision ID: a27119c0cd69
Revises: 8b33c9ec9c69
Create Date: 2026-11-25 07:13:08.107946+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db

revision: str = "a27119c0cd69"
down_revision: str | None = "8b33c9ec9c69"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "programme_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("released_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("session_count", sa.Integer(), nullable=False),
        sa.Column("programme", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_programme_release_event_id_event"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"],
            ["account_user.id"],
            name=op.f("fk_programme_release_released_by_id_account_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_release")),
        sa.UniqueConstraint("event_id", "number", name=op.f("uq_programme_release_event_id_number")),
    )
    with op.batch_alter_table("programme_release", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_release_event_id"), ["event_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("programme_release", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_release_event_id"))

    op.drop_table("programme_release")
