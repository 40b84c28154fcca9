"""orders show their expected margin

Revision ID: c41e7b2d9a10
Revises: b81f0d6c2e57
Create Date: 2026-12-04 01:40:00

An order carries the logistics and packing it expects per kilogram, so its margin per grade can
be shown before picking, and the reason it stands when a grade is sold below cost. Orders made
before expect nothing (0) and need no reason: they were accepted under the old rules.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c41e7b2d9a10'
down_revision = 'b81f0d6c2e57'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('buyer_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expected_cost_per_kg', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('below_cost_reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_check_constraint(op.f('ck_buyer_orders_expected_cost_not_negative'), 'expected_cost_per_kg >= 0')


def downgrade():
    with op.batch_alter_table('buyer_orders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_buyer_orders_expected_cost_not_negative'), type_='check')
        batch_op.drop_column('below_cost_reason')
        batch_op.drop_column('expected_cost_per_kg')
