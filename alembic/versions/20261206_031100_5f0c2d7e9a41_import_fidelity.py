"""import fidelity: what imported schedules say beyond our own fields

Revision ID: 5f0c2d7e9a41
Revises: 5d2e8a41c7b9
Create Date: 2026-12-06 03:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '5f0c2d7e9a41'
down_revision: str | None = '5d2e8a41c7b9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SESSION_STRINGS = {
    'subtitle': 500,
    'language': 35,
    'type_label': 100,
    'recording_license': 200,
    'feedback_url': 500,
    'logo_url': 500,
    'origin_url': 500,
}


def upgrade() -> None:
    with op.batch_alter_table('programme_session', schema=None) as batch_op:
        for name, length in _SESSION_STRINGS.items():
            batch_op.add_column(
                sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), server_default='', nullable=False)
            )
        batch_op.add_column(sa.Column('description', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('do_not_record', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('do_not_stream', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('links', sa.Text(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('attachments', sa.Text(), server_default='[]', nullable=False))
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guid', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guid', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
        batch_op.add_column(sa.Column('source_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('runner', sqlmodel.sql.sqltypes.AutoString(length=100), server_default='', nullable=False)
        )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), not a batch rebuild: rebuilding programme_session or speaker with
    # foreign keys on would delete every role that points at them.
    op.drop_column('import_job', 'runner')
    op.drop_column('speaker', 'source_id')
    op.drop_column('speaker', 'guid')
    op.drop_column('room', 'guid')
    for name in ('attachments', 'links', 'do_not_stream', 'do_not_record', 'description', *_SESSION_STRINGS):
        op.drop_column('programme_session', name)
