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
    with op.batch_alter_table('account_user', schema=None) as batch_op:
        batch_op.alter_column('session_generation', server_default=None)

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
    with op.batch_alter_table('event_organiser', schema=None) as batch_op:
        batch_op.alter_column('role', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('event_organiser', schema=None) as batch_op:
        batch_op.drop_column('role')
    with op.batch_alter_table('account_user', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
