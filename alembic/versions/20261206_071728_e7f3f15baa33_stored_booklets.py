"""stored booklets: programme PDFs built by a worker, served to every web process

Revision ID: e7f3f15baa33
Revises: e5a91c3f7d02
Create Date: 2026-12-06 07:17:28.115573+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db

revision: str = 'e7f3f15baa33'
down_revision: str | None = 'e5a91c3f7d02'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('stored_booklet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('built_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_stored_booklet_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_booklet')),
    sa.UniqueConstraint('version', name=op.f('uq_stored_booklet_version'))
    )
    op.create_index(op.f('ix_stored_booklet_event_id'), 'stored_booklet', ['event_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_stored_booklet_event_id'), table_name='stored_booklet')
    op.drop_table('stored_booklet')
