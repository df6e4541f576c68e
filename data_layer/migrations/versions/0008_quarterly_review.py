"""the quarterly review: commentary per plan, quarter and scope, quarters marked final, issued packs

Revision ID: 0008
Revises: 0007

- review_note: key findings (indicator '') and a note per indicator, with who and when (issue 18);
- review_quarter: a quarter whose commentary is final (no more edits);
- issued_pack: every issued review pack with the store's data version and the figures it printed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'review_note',
        sa.Column('plan_code', sa.String(length=40), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('indicator', sa.String(length=40), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('updated_by', sa.String(length=80), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('plan_code', 'year', 'quarter', 'scope', 'indicator'),
    )
    op.create_table(
        'review_quarter',
        sa.Column('plan_code', sa.String(length=40), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('final_by', sa.String(length=80), nullable=False),
        sa.Column('final_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('plan_code', 'year', 'quarter', 'scope'),
    )
    op.create_table(
        'issued_pack',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('lang', sa.String(length=5), nullable=False),
        sa.Column('format', sa.String(length=5), nullable=False),
        sa.Column('sections', sa.String(length=400), nullable=False),
        sa.Column('data_version', sa.String(length=200), nullable=False),
        sa.Column('figures', sa.Text(), nullable=False),
        sa.Column('issued_by', sa.String(length=80), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('issued_pack')
    op.drop_table('review_quarter')
    op.drop_table('review_note')
