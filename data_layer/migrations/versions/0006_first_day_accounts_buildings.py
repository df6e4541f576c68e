"""first day with a bureau's own data: district-scoped editors, buildings without coordinates, former names

Revision ID: 0006
Revises: 0005

- app_user.districts: the district codes an editor may import for, comma-separated; '' = every district (an
  unscoped editor keeps the rights editors had before).
- building.lon / building.lat become nullable: many districts never geocoded their buildings, and such a roster
  still imports; the map lists them as "not on the map" until someone places them.
- building.year_completed becomes nullable: district rosters often leave it out.
- street.geojson / street.crs: a street's outline when its file gives one (GeoJSON geometry and its CRS).
- building.former_names: 曾用名, separated by '；', so that a renamed building still matches by name.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('districts', sa.String(length=400), nullable=False, server_default=''))
    with op.batch_alter_table('street', schema=None) as batch_op:
        batch_op.add_column(sa.Column('geojson', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('crs', sa.String(length=10), nullable=True))
    with op.batch_alter_table('building', schema=None) as batch_op:
        batch_op.add_column(sa.Column('former_names', sa.String(length=400), nullable=False, server_default=''))
        batch_op.alter_column('lon', existing_type=sa.Float(), nullable=True)
        batch_op.alter_column('lat', existing_type=sa.Float(), nullable=True)
        batch_op.alter_column('year_completed', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    """Fails (changing nothing) while a building has no coordinates: place or remove those first. (SQLite
    rebuilds the table with foreign-key checks off; migrations/env.py explains.)"""
    with op.batch_alter_table('building', schema=None) as batch_op:
        batch_op.alter_column('year_completed', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('lat', existing_type=sa.Float(), nullable=False)
        batch_op.alter_column('lon', existing_type=sa.Float(), nullable=False)
        batch_op.drop_column('former_names')
    with op.batch_alter_table('street', schema=None) as batch_op:
        batch_op.drop_column('crs')
        batch_op.drop_column('geojson')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('districts')
