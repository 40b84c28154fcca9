"""VAT accounts under 2221 应交税费

Revision ID: c4e1a7d93b20
Revises: d52f8a1c3e70
Create Date: 2026-12-04 01:20:00

Until now the chart had one VAT account, 222101 "应交税费—应交增值税(进项税额)", with no 2221
above it; output VAT (销项税额) had nowhere to go. 小企业会计准则 keeps VAT as
2221 应交税费 → 222101 应交增值税 → 进项税额 / 销项税额 / 进项税额转出 / 转出未交增值税, and
222102 未交增值税.

What this does, keeping the books true:

- The existing 222101 row becomes 22210101 进项税额. It keeps its id, so every voucher line,
  period balance and audit event that points at it still does: what was booked as input VAT stays
  input VAT, now under its proper code.
- 2221, 222101 应交增值税, 22210102 销项税额, 22210103 进项税额转出, 22210104 转出未交增值税 and
  222102 未交增值税 are added (when the chart was seeded at all; a missing one only).
- Posted vouchers are hash-chained (``vouchers.chain_hash``, market/ledger/rules.chain_hash), and
  the hash covers each line's account CODE. Renaming the code changes the content the hash was
  taken over, so ``flask ledger verify`` would report every period holding an input-VAT line as
  tampered. The chain of each such period is therefore recomputed here, in number order, exactly
  as b81f0d6c2e57 computed it; the guard against changing a posted voucher stands aside meanwhile.
  No amount, date, number, summary or line changes: only the code the lines are reported under.

A database where someone already added an account 22210101 (under the old 222101) cannot be
migrated blindly: the upgrade stops and says so.
"""
import hashlib
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e1a7d93b20'
down_revision = 'd52f8a1c3e70'
branch_labels = None
depends_on = None

OLD_CODE, NEW_CODE = "222101", "22210101"
ADDED = [("2221", "应交税费"), ("222101", "应交增值税"), ("22210102", "销项税额"), ("22210103", "进项税额转出"),
         ("22210104", "转出未交增值税"), ("222102", "未交增值税")]

SQLITE_GUARD = ("CREATE TRIGGER IF NOT EXISTS trg_vouchers_no_change_when_posted\nBEFORE UPDATE ON vouchers\n"
                "WHEN OLD.status = 'posted'\n"
                "BEGIN SELECT RAISE(ABORT, 'ledger: a posted voucher and its lines cannot be changed'); END")


# market.ledger.rules.chain_hash, as it was when this migration was written.
def _chain_hash(previous, voucher_date, number, period, summary, lines):
    body = json.dumps([previous, voucher_date, number, period, summary,
                       [[code, party_type, party_id, int(debit), int(credit)]
                        for code, party_type, party_id, debit, credit in lines]],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _rechain(bind, period_ids):
    if not period_ids:
        return
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        # the balance check on vouchers is a deferred trigger: run it per statement here, or the
        # UPDATEs below leave events pending and the guard cannot be switched back on
        op.execute("SET CONSTRAINTS ALL IMMEDIATE")
        op.execute("ALTER TABLE vouchers DISABLE TRIGGER trg_vouchers_guard")
    else:
        op.execute("DROP TRIGGER IF EXISTS trg_vouchers_no_change_when_posted")
    for period_id in sorted(period_ids):
        year, month = bind.execute(sa.text("SELECT year, month FROM periods WHERE id = :id"), {"id": period_id}).one()
        previous = ""
        for voucher_id, number, voucher_date, summary in bind.execute(sa.text(
                "SELECT id, number, voucher_date, summary FROM vouchers WHERE period_id = :p AND status = 'posted' "
                "ORDER BY number"), {"p": period_id}).all():
            lines = bind.execute(sa.text(
                "SELECT a.code, l.party_type, l.party_id, l.debit, l.credit FROM voucher_lines l "
                "JOIN accounts a ON a.id = l.account_id WHERE l.voucher_id = :id ORDER BY l.line_no"),
                {"id": voucher_id}).all()
            if not isinstance(voucher_date, str):
                voucher_date = voucher_date.isoformat()
            previous = _chain_hash(previous, voucher_date, number, f"{year}-{month:02d}", summary,
                                   [tuple(line) for line in lines])
            bind.execute(sa.text("UPDATE vouchers SET chain_hash = :hash WHERE id = :id"),
                         {"hash": previous, "id": voucher_id})
    if postgres:
        op.execute("ALTER TABLE vouchers ENABLE TRIGGER trg_vouchers_guard")
    else:
        op.execute(SQLITE_GUARD)


def _affected_periods(bind, account_id):
    return {row[0] for row in bind.execute(sa.text(
        "SELECT DISTINCT v.period_id FROM vouchers v JOIN voucher_lines l ON l.voucher_id = v.id "
        "WHERE l.account_id = :a AND v.status = 'posted'"), {"a": account_id})}


def upgrade():
    bind = op.get_bind()
    codes = {code: account_id for account_id, code in bind.execute(sa.text("SELECT id, code FROM accounts"))}
    if not codes:
        return  # an empty chart: seeding creates the new tree
    if NEW_CODE in codes and OLD_CODE in codes:
        raise RuntimeError("account 22210101 already exists under the old 222101; move its lines by hand first")
    periods = set()
    if OLD_CODE in codes:
        account_id = codes.pop(OLD_CODE)
        bind.execute(sa.text("UPDATE accounts SET code = :code, name = :name WHERE id = :id"),
                     {"code": NEW_CODE, "name": "进项税额", "id": account_id})
        codes[NEW_CODE] = account_id
        periods = _affected_periods(bind, account_id)
    for code, name in ADDED:
        if code not in codes:
            bind.execute(sa.text("INSERT INTO accounts (code, name, kind, party_type, active) "
                                 "VALUES (:code, :name, 'liability', 'none', :active)"),
                         {"code": code, "name": name, "active": True})
    _rechain(bind, periods)


def downgrade():
    bind = op.get_bind()
    codes = {code: account_id for account_id, code in bind.execute(sa.text("SELECT id, code FROM accounts"))}
    used = {row[0] for row in bind.execute(sa.text("SELECT DISTINCT account_id FROM voucher_lines"))}
    for code, _name in reversed(ADDED):
        if code in codes and codes[code] not in used:
            bind.execute(sa.text("DELETE FROM accounts WHERE id = :id"), {"id": codes.pop(code)})
    if NEW_CODE in codes and OLD_CODE not in codes:
        account_id = codes[NEW_CODE]
        bind.execute(sa.text("UPDATE accounts SET code = :code, name = :name WHERE id = :id"),
                     {"code": OLD_CODE, "name": "应交税费—应交增值税(进项税额)", "id": account_id})
        _rechain(bind, _affected_periods(bind, account_id))
