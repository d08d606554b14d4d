"""outgoing message: the spec a worker writes it from

Revision ID: 5b1e7c2a9d40
Revises: fdddd96619c3
Create Date: 2026-12-07 00:05:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5b1e7c2a9d40'
down_revision: str | None = 'fdddd96619c3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch rebuild: on SQLite, rebuilding `outgoing_message` would drop the table
    # that every attachment's rows cascade from.
    op.add_column('outgoing_message', sa.Column('spec', sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column('outgoing_message', 'spec')
