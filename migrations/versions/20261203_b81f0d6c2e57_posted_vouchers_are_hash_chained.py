"""posted vouchers are hash-chained

Revision ID: b81f0d6c2e57
Revises: 7a3c9e21b4d0
Create Date: 2026-12-03 10:45:00

Each posted voucher keeps ``chain_hash``: SHA-256 over its content and the previous posted
voucher's hash in the same period. The vouchers already posted are chained here, period by
period in number order (the guard against changing a posted voucher stands aside meanwhile).
"""
import hashlib
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b81f0d6c2e57'
down_revision = '7a3c9e21b4d0'
branch_labels = None
depends_on = None

# market.ledger.rules.chain_hash, as it was when this migration was written.


def _chain_hash(previous, voucher_date, number, period, summary, lines):
    body = json.dumps([previous, voucher_date, number, period, summary,
                       [[code, party_type, party_id, int(debit), int(credit)]
                        for code, party_type, party_id, debit, credit in lines]],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


SQLITE_GUARD = ("CREATE TRIGGER IF NOT EXISTS trg_vouchers_no_change_when_posted\nBEFORE UPDATE ON vouchers\n"
                "WHEN OLD.status = 'posted'\n"
                "BEGIN SELECT RAISE(ABORT, 'ledger: a posted voucher and its lines cannot be changed'); END")


def upgrade():
    # not in batch: rebuilding the table on SQLite would trip the triggers that refer to it
    op.add_column('vouchers', sa.Column('chain_hash', sa.String(length=64), nullable=True))
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        # run the deferred balance check per statement: events left pending would stop the guard
        # from being switched back on in the same transaction
        op.execute("SET CONSTRAINTS ALL IMMEDIATE")
        op.execute("ALTER TABLE vouchers DISABLE TRIGGER trg_vouchers_guard")
    else:
        op.execute("DROP TRIGGER IF EXISTS trg_vouchers_no_change_when_posted")
    vouchers = bind.execute(sa.text(
        "SELECT v.id, v.period_id, v.number, v.voucher_date, v.summary, p.year, p.month FROM vouchers v "
        "JOIN periods p ON p.id = v.period_id WHERE v.status = 'posted' ORDER BY v.period_id, v.number")).all()
    previous_of: dict = {}
    for voucher_id, period_id, number, voucher_date, summary, year, month in vouchers:
        lines = bind.execute(sa.text(
            "SELECT a.code, l.party_type, l.party_id, l.debit, l.credit FROM voucher_lines l "
            "JOIN accounts a ON a.id = l.account_id WHERE l.voucher_id = :id ORDER BY l.line_no"),
            {"id": voucher_id}).all()
        if not isinstance(voucher_date, str):
            voucher_date = voucher_date.isoformat()
        digest = _chain_hash(previous_of.get(period_id, ""), voucher_date, number, f"{year}-{month:02d}", summary,
                             [tuple(line) for line in lines])
        bind.execute(sa.text("UPDATE vouchers SET chain_hash = :hash WHERE id = :id"),
                     {"hash": digest, "id": voucher_id})
        previous_of[period_id] = digest
    if postgres:
        op.execute("ALTER TABLE vouchers ENABLE TRIGGER trg_vouchers_guard")
    else:
        op.execute(SQLITE_GUARD)


def downgrade():
    op.execute("ALTER TABLE vouchers DROP COLUMN chain_hash")  # SQLite 3.35+ drops it in place
