"""voucher lines keep the party's name

Revision ID: d52f8a1c3e70
Revises: c41e7b2d9a10
Create Date: 2026-12-04 01:50:00

Each voucher line with a party (辅助核算) records the party's name when the voucher is prepared,
so renaming a household or a buyer later changes neither the ledger nor its exports. Lines written
before this revision take the name the party has at the upgrade — the earliest name the database
still knows (the guard against changing a posted voucher's lines stands aside meanwhile; only
this new column is written).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd52f8a1c3e70'
down_revision = 'c41e7b2d9a10'
branch_labels = None
depends_on = None

SQLITE_GUARD = (
    "CREATE TRIGGER IF NOT EXISTS trg_voucher_lines_no_update_when_posted\nBEFORE UPDATE ON voucher_lines\n"
    "WHEN (SELECT status FROM vouchers WHERE id = OLD.voucher_id) = 'posted'\n"
    "  OR (SELECT status FROM vouchers WHERE id = NEW.voucher_id) = 'posted'\n"
    "BEGIN SELECT RAISE(ABORT, 'ledger: a posted voucher and its lines cannot be changed'); END")


def upgrade():
    # not in batch: rebuilding the table on SQLite would trip the triggers that refer to it
    op.add_column('voucher_lines', sa.Column('party_name', sa.String(length=128), server_default='', nullable=False))
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        # the deferred balance check on voucher lines would otherwise leave events pending, and the
        # guard could not be switched back on in the same transaction
        op.execute("SET CONSTRAINTS ALL IMMEDIATE")
        op.execute("ALTER TABLE voucher_lines DISABLE TRIGGER trg_voucher_lines_guard")
    else:
        op.execute("DROP TRIGGER IF EXISTS trg_voucher_lines_no_update_when_posted")
    op.execute("UPDATE voucher_lines SET party_name = (SELECT head_name FROM households "
               "WHERE households.id = voucher_lines.party_id) WHERE party_type = 'household' AND party_id IS NOT NULL "
               "AND EXISTS (SELECT 1 FROM households WHERE households.id = voucher_lines.party_id)")
    op.execute("UPDATE voucher_lines SET party_name = (SELECT name FROM buyers "
               "WHERE buyers.id = voucher_lines.party_id) WHERE party_type = 'buyer' AND party_id IS NOT NULL "
               "AND EXISTS (SELECT 1 FROM buyers WHERE buyers.id = voucher_lines.party_id)")
    if postgres:
        op.execute("ALTER TABLE voucher_lines ENABLE TRIGGER trg_voucher_lines_guard")
    else:
        op.execute(SQLITE_GUARD)


def downgrade():
    op.execute("ALTER TABLE voucher_lines DROP COLUMN party_name")  # SQLite 3.35+ drops it in place
