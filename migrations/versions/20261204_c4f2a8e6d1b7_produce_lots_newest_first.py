"""lists of lots are read newest first by an index

Revision ID: c4f2a8e6d1b7
Revises: b3e1f5a7c9d2
Create Date: 2026-12-04 19:45:00

``ix_produce_lots_newest`` on ``produce_lots (created_at, id)``: a page of lots (the staff list, the
API, a household's own) is read in that order and stops after the page, with what each lot names
joined to those rows only, instead of every lot joined and sorted for one page of 50.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4f2a8e6d1b7'
down_revision = 'b3e1f5a7c9d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_produce_lots_newest', 'produce_lots', ['created_at', 'id'])


def downgrade():
    op.drop_index('ix_produce_lots_newest', table_name='produce_lots')
