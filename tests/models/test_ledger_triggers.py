"""The database itself refuses to change posted vouchers or post unbalanced ones (raw SQL)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import exc, text

from models import Account, AccountKind, Period, Voucher, VoucherLine, VoucherStatus, db


def _voucher(user, debit: str, credit: str, status: VoucherStatus = VoucherStatus.APPROVED) -> Voucher:
    cash = db.session.merge(Account(id=1, code="1002", name="银行存款", kind=AccountKind.ASSET))
    sales = db.session.merge(Account(id=2, code="5001", name="主营业务收入", kind=AccountKind.REVENUE))
    period = db.session.scalar(db.select(Period)) or Period(year=2026, month=8)
    voucher = Voucher(period=period, voucher_date=date(2026, 8, 20), summary="测试", status=status,
                      idempotency_key=f"k-{debit}-{credit}-{status.value}", body_hash="x", prepared_by_id=user.id)
    voucher.lines = [VoucherLine(line_no=1, account=cash, debit=Decimal(debit)),
                     VoucherLine(line_no=2, account=sales, credit=Decimal(credit))]
    db.session.add(voucher)
    db.session.commit()
    return voucher


def _post(voucher_id: int) -> None:
    db.session.execute(text("UPDATE vouchers SET status = 'posted', number = 1 WHERE id = :id"), {"id": voucher_id})
    db.session.commit()


def test_a_balanced_voucher_can_be_posted(app, accountant):
    voucher = _voucher(accountant, "100.00", "100.00")
    _post(voucher.id)
    assert db.session.scalar(text("SELECT status FROM vouchers WHERE id = :id"), {"id": voucher.id}) == "posted"


def test_an_unbalanced_voucher_cannot_be_posted(app, accountant):
    voucher = _voucher(accountant, "100.00", "99.99")
    with pytest.raises(exc.IntegrityError):
        _post(voucher.id)
    db.session.rollback()


@pytest.mark.parametrize("statement", [
    "UPDATE voucher_lines SET debit = 1 WHERE voucher_id = :id AND line_no = 1",
    "UPDATE voucher_lines SET memo = 'changed' WHERE voucher_id = :id",
    "DELETE FROM voucher_lines WHERE voucher_id = :id",
    "INSERT INTO voucher_lines (voucher_id, line_no, account_id, party_type, debit, credit, memo) "
    "VALUES (:id, 3, 1, 'none', 5, 0, '')",
    "UPDATE vouchers SET summary = 'changed' WHERE id = :id",
    "DELETE FROM vouchers WHERE id = :id",
])
def test_raw_sql_cannot_change_a_posted_voucher(app, accountant, statement):
    voucher = _voucher(accountant, "100.00", "100.00")
    _post(voucher.id)
    with pytest.raises(exc.IntegrityError):
        db.session.execute(text(statement), {"id": voucher.id})
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(text("SELECT SUM(debit) FROM voucher_lines WHERE voucher_id = :id"),
                             {"id": voucher.id}) == 10000


def test_a_line_is_a_debit_xor_a_credit(app, accountant):
    voucher = _voucher(accountant, "1.00", "1.00")
    with pytest.raises(exc.IntegrityError):
        db.session.execute(text("UPDATE voucher_lines SET credit = 100 WHERE voucher_id = :id AND line_no = 1"),
                           {"id": voucher.id})
        db.session.commit()
    db.session.rollback()


@pytest.mark.postgres_only
def test_postgresql_refuses_an_unbalanced_posted_voucher_at_commit(app, accountant):
    voucher = _voucher(accountant, "50.00", "50.00")
    # Inside one transaction: post, then (as a forger with the triggers' row guard out of the way
    # would) unbalance a line. The statement-level check on the lines refuses the update itself; the
    # deferred check on the voucher would refuse it at COMMIT.
    db.session.execute(text("ALTER TABLE voucher_lines DISABLE TRIGGER trg_voucher_lines_guard"))
    db.session.execute(text("UPDATE vouchers SET status = 'posted', number = 1 WHERE id = :id"), {"id": voucher.id})
    with pytest.raises(exc.IntegrityError):
        db.session.execute(text("UPDATE voucher_lines SET debit = 4000 WHERE voucher_id = :id AND line_no = 1"),
                           {"id": voucher.id})
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(text("SELECT status FROM vouchers WHERE id = :id"), {"id": voucher.id}) == "approved"
