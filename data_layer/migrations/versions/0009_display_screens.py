"""named wall screens: the panels, their order and seconds, or one pinned panel, saved by an admin

Revision ID: 0009
Revises: 0008

- display_screen: one row per named screen (issue 20); a kiosk link names it with `?screen=<name>`. `panels` holds
  the same text a link's `panels=` parameter takes (`kpis:30,map:45`), `pin` a panel code or ''.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'display_screen',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('panels', sa.String(length=200), nullable=False),
        sa.Column('pin', sa.String(length=20), nullable=False),
        sa.Column('updated_by', sa.String(length=80), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('display_screen')
