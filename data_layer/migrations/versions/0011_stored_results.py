"""stored_result: what the pages' expensive reads computed, kept per data version (issue 22)

Revision ID: 0011
Revises: 0010

- stored_result: one row per (name, key) holding a result computed for one data version and code fingerprint
  (data_layer.stored): the map's period frame and points, the early warnings, the goals page's movers and drivers,
  the observation page's feedback statistics... A visitor after a restart, in another process or replica, reads
  the row instead of computing it again. Derived: never in a backup, emptied by every restore.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'stored_result',
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('data_version', sa.String(length=200), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('payload', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', 'key_hash'),
    )


def downgrade() -> None:
    op.drop_table('stored_result')
