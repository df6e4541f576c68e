"""sentiment model version per comment, staff corrections of the dimension

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 15:00:00

Chained after 0004 on this branch; the integrator re-chains it after the other branches' revisions at merge.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sentiment_model', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True))
        batch_op.add_column(sa.Column('dimension_corrected_by', sqlmodel.sql.sqltypes.AutoString(length=80),
                                      nullable=True))
        batch_op.add_column(sa.Column('dimension_corrected_at', sa.DateTime(), nullable=True))
    # Comments labelled before this revision were labelled by the lexicon scorer alone.
    op.execute("UPDATE feedback SET sentiment_model = 'lexicon' WHERE sentiment_label IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_column('dimension_corrected_at')
        batch_op.drop_column('dimension_corrected_by')
        batch_op.drop_column('sentiment_model')
