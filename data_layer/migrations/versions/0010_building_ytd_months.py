"""building_ytd carries the months reported so far in the year and the latest of them

Revision ID: 0010
Revises: 0009

- building_ytd.months_reported: months of the calendar year through the row's month in which the building reported;
  building_ytd.last_month: the latest of them (issue 22: the map's months reported in a period, the workbench's
  seasonal shares and its stopped-reporting rule read two snapshots instead of scanning building_month).
  Filled from the rows already there by rebuilding building_ytd.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('building_ytd', schema=None) as batch_op:
        batch_op.add_column(sa.Column('months_reported', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_month', sa.Date(), nullable=True))
    # Data migration: a store that already holds rows gets the new columns filled in place.
    from data_layer.summaries import bump_data_version, refresh_building_ytd

    bind = op.get_bind()
    refresh_building_ytd(bind)
    bump_data_version(bind)


def downgrade() -> None:
    with op.batch_alter_table('building_ytd', schema=None) as batch_op:
        batch_op.drop_column('last_month')
        batch_op.drop_column('months_reported')
