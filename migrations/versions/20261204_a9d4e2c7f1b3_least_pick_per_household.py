"""an order may set the least one household is picked for

Revision ID: a9d4e2c7f1b3
Revises: d3f6a8c1e5b9
Create Date: 2026-12-04 19:20:00

``buyer_orders.min_pick_kg`` (grams, like every weight): the allocation gives a household at least
this much or nothing. Orders made before have none (0), which allocates as before.

The column and its check are added in place on SQLite too (``ADD COLUMN`` takes a column check):
rebuilding ``buyer_orders`` would drop and re-create it under every table that refers to it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9d4e2c7f1b3'
down_revision = 'd3f6a8c1e5b9'
branch_labels = None
depends_on = None

CHECK = "ck_buyer_orders_min_pick_within_order"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.add_column('buyer_orders', sa.Column('min_pick_kg', sa.BigInteger(), server_default='0', nullable=False))
        op.create_check_constraint(CHECK, 'buyer_orders', 'min_pick_kg >= 0 AND min_pick_kg <= quantity_kg')
    else:
        op.execute("ALTER TABLE buyer_orders ADD COLUMN min_pick_kg BIGINT DEFAULT '0' NOT NULL "
                   f"CONSTRAINT {CHECK} CHECK (min_pick_kg >= 0 AND min_pick_kg <= quantity_kg)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(CHECK, 'buyer_orders', type_='check')
        op.drop_column('buyer_orders', 'min_pick_kg')
    else:
        # the check is the column's own, so SQLite drops both in place
        op.execute("ALTER TABLE buyer_orders DROP COLUMN min_pick_kg")
