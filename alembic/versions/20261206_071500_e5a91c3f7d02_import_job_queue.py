"""import jobs run on the task queue: when a job was handed to it

Revision ID: e5a91c3f7d02
Revises: c41d7a2e9b63
Create Date: 2026-12-06 07:15:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = 'e5a91c3f7d02'
down_revision: str | None = 'c41d7a2e9b63'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The new "queued" status needs nothing: statuses are plain strings of up to 20 characters.
    op.add_column('import_job', sa.Column('queued_at', app.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # A job waiting for a worker cannot wait without one: it is back to be confirmed again.
    op.execute("UPDATE import_job SET status = 'ready' WHERE status = 'queued'")
    op.drop_column('import_job', 'queued_at')
