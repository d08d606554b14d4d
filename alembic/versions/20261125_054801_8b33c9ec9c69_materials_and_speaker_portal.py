"""materials and speaker portal

Revision ID: 8b33c9ec9c69
Revises: 6576337c4fe8
Create Date: 2026-11-25 05:48:01.313262+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db

revision: str = '8b33c9ec9c69'
down_revision: str | None = '6576337c4fe8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=True),
    sa.Column('speaker_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('slides', 'recording', 'link', 'file', name='materialkind', native_enum=False, length=20), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('visibility', sa.Enum('public', 'after_session', 'hidden', name='materialvisibility', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['programme_session.id'], name=op.f('fk_material_session_id_programme_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['speaker_id'], ['speaker.id'], name=op.f('fk_material_speaker_id_speaker'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['talk_id'], ['talk.id'], name=op.f('fk_material_talk_id_talk'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material'))
    )
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_material_speaker_id'), ['speaker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_material_talk_id'), ['talk_id'], unique=False)

    op.create_table('material_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('material_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('storage_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('uploaded_by_speaker_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['material_id'], ['material.id'], name=op.f('fk_material_version_material_id_material'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_speaker_id'], ['speaker.id'], name=op.f('fk_material_version_uploaded_by_speaker_id_speaker'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_version')),
    sa.UniqueConstraint('material_id', 'number', name=op.f('uq_material_version_material_id_number'))
    )
    with op.batch_alter_table('material_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_version_material_id'), ['material_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_material_version_storage_key'), ['storage_key'], unique=False)

    with op.batch_alter_table('session_role', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmation', sa.Enum('pending', 'confirmed', 'declined', name='confirmation', native_enum=False, length=20), server_default='pending', nullable=False))

    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('portal_secret', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.drop_column('portal_secret')
        batch_op.drop_column('photo_key')

    with op.batch_alter_table('session_role', schema=None) as batch_op:
        batch_op.drop_column('confirmation')

    with op.batch_alter_table('material_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_version_storage_key'))
        batch_op.drop_index(batch_op.f('ix_material_version_material_id'))

    op.drop_table('material_version')
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_talk_id'))
        batch_op.drop_index(batch_op.f('ix_material_speaker_id'))
        batch_op.drop_index(batch_op.f('ix_material_session_id'))

    op.drop_table('material')
