"""organiser roles and session generation

Revision ID: 5d2e8a41c7b9
Revises: 9cf9400f3432
Create Date: 2026-12-06 03:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5d2e8a41c7b9'
down_revision: str | None = '9cf9400f3432'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('account_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), nullable=False, server_default='0'))

    # Every organiser given an event before roles existed could do everything: they become owners.
    with op.batch_alter_table('event_organiser', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'role',
                sa.Enum('owner', 'organiser', 'checkin', name='organiserrole', native_enum=False, length=20),
                nullable=False,
                server_default='owner',
            )
        )
    # The defaults only fill the existing rows. Dropping them on SQLite would rebuild account_user, and
    # with foreign keys on, dropping the old table deletes every row that points at it (organisers,
    # import jobs): there they stay, harmless.
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('account_user', 'session_generation', server_default=None)
        op.alter_column('event_organiser', 'role', server_default=None)


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), not a batch rebuild: rebuilding account_user with foreign keys
    # on would delete every row that points at it.
    op.drop_column('event_organiser', 'role')
    op.drop_column('account_user', 'session_generation')
