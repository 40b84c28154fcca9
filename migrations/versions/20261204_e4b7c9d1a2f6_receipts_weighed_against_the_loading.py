"""a receipt is weighed against what the truck was loaded with; buyers set a weighbridge tolerance

Revision ID: e4b7c9d1a2f6
Revises: d9a4c6e1f3b7
Create Date: 2026-12-04 13:00:00

``buyers.weighbridge_tolerance_pct`` (磅差, percent of the loaded weight, 0–5, default 1): a receipt
may read above the loading note by at most this much, and only with the coordinator's reason.
``receipts.loaded_kg`` keeps what the truck was loaded with when the receipt was recorded (none on
receipts recorded before: nobody compared them then) and ``receipts.over_loaded_reason`` the reason.
Columns are added in place (SQLite: with their CHECK, no rebuild).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b7c9d1a2f6'
down_revision = 'd9a4c6e1f3b7'
branch_labels = None
depends_on = None

CHECK_NAME = "ck_buyers_weighbridge_tolerance_range"
CHECK = "weighbridge_tolerance_pct >= 0 AND weighbridge_tolerance_pct <= 500"  # hundredths of a percent


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.add_column('buyers', sa.Column('weighbridge_tolerance_pct', sa.BigInteger(), nullable=False,
                                          server_default='100'))
        op.execute(f"ALTER TABLE buyers ADD CONSTRAINT {CHECK_NAME} CHECK ({CHECK})")
    else:
        op.execute("ALTER TABLE buyers ADD COLUMN weighbridge_tolerance_pct BIGINT NOT NULL DEFAULT 100 "
                   f"CONSTRAINT {CHECK_NAME} CHECK ({CHECK})")
    op.add_column('receipts', sa.Column('loaded_kg', sa.BigInteger(), nullable=True))
    op.add_column('receipts', sa.Column('over_loaded_reason', sa.Text(), nullable=False, server_default=''))


def downgrade():
    op.execute("ALTER TABLE receipts DROP COLUMN over_loaded_reason")
    op.execute("ALTER TABLE receipts DROP COLUMN loaded_kg")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE buyers DROP CONSTRAINT {CHECK_NAME}")
    op.execute("ALTER TABLE buyers DROP COLUMN weighbridge_tolerance_pct")
