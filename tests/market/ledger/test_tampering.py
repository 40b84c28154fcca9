"""Tampering that pays out money: the database refuses it, and when a forger with database access
lifts the guards, ``flask ledger verify`` still finds it.

Each tamper is tried twice: against the triggers (refused), then behind them (on PostgreSQL with
``session_replication_role = replica``, on SQLite with the triggers dropped), after which verify
must fail naming it. The books are real: a posted peach settlement, payouts and a receipt, every
voucher reviewed and posted (tests/market/books/conftest.py).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import exc, select, text

from market import database_rules
from market.ledger import services as ledger
from models import (Account, AuditEvent, Payment, Period, Settlement, Voucher, VoucherLine, VoucherSource,
                    VoucherStatus, db)
from tests.market.books.conftest import all_posted, paid, posted_settlement  # noqa: F401  (fixtures)
from tests.market.fulfilment.conftest import allocated, buyer_staff, collected, shipped, weigh  # noqa: F401
from tests.market.orders.conftest import buyer, make_lot, make_order  # noqa: F401  (fixtures)
from tests.market.settlements.conftest import books, received, reviewer  # noqa: F401  (fixtures)


def refused(statement: str, **params) -> None:
    """The guards refuse ``statement``; nothing stays written."""
    with pytest.raises(exc.DBAPIError) as caught:
        db.session.execute(text(statement), params)
        db.session.flush()
        db.session.commit()
    db.session.rollback()
    assert any(word in str(caught.value) for word in ("settlement:", "payment:", "audit:", "ledger:")), caught.value


def behind_the_guards(*statements: tuple[str, dict]) -> None:
    """What a forger with database access does: the triggers stand aside, the statements run."""
    connection = db.session.connection()
    if db.engine.dialect.name == "postgresql":
        connection.exec_driver_sql("SET session_replication_role = replica")
    else:
        database_rules.drop(connection)
    for statement, params in statements:
        db.session.execute(text(statement), params)
    if db.engine.dialect.name == "postgresql":
        connection.exec_driver_sql("SET session_replication_role = DEFAULT")
    else:
        database_rules.reinstall(connection)
    db.session.commit()
    db.session.expire_all()


def verify_fails(runner, *expected: str) -> str:
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1, result.output
    for words in expected:
        assert words in result.output, result.output
    return result.output


def tampered(runner, statements: list[tuple[str, dict]], *expected: str) -> str:
    """Each statement is refused on its own; all of them behind the guards fail verify."""
    for statement, params in statements:
        refused(statement, **params)
    behind_the_guards(*statements)
    return verify_fails(runner, *expected)


@pytest.fixture
def good(all_posted, runner):
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    return all_posted


def _line(books, name: str = "张秀英"):
    return next(line for line in books.settlement.households if line.household.head_name == name)


def _payout_voucher(books) -> Voucher:
    return books.payouts[0].voucher


def test_good_books_verify(good, runner):
    assert "ledger ok" in runner.invoke(args=["ledger", "verify"]).output
    assert all(v.chain_hash for v in db.session.scalars(select(Voucher).where(Voucher.status == VoucherStatus.POSTED)))


def test_a_household_owed_more_than_its_settlement_says(good, runner):
    line = _line(good)
    tampered(runner, [("UPDATE settlement_households SET net = net + 10000, gross = gross + 10000 WHERE id = :id",
                       {"id": line.id})],
             "gross differs from the sum of its items", "vouchers' 2202, 1123 and 1221 differ from its line")


def test_a_posted_settlement_set_back_to_draft(good, runner):
    tampered(runner, [("UPDATE settlements SET status = 'draft' WHERE id = :id", {"id": good.settlement.id})],
             "not posted, yet its vouchers are in the books")


def test_a_posted_settlements_totals_changed(good, runner):
    tampered(runner, [("UPDATE settlements SET purchase_total = purchase_total + 100, "
                       "purchase_cost = purchase_cost + 100, margin = margin - 100 WHERE id = :id",
                       {"id": good.settlement.id})],
             "purchase total, input VAT or cost differ from its household lines")


def test_output_vat_moved_into_revenue_on_the_settlement(good, runner):
    # the stored split still adds up to the buyer total, but no longer is its VAT at its rate
    tampered(runner, [("UPDATE settlements SET sale_net = sale_net + output_vat, output_vat = 0 WHERE id = :id",
                       {"id": good.settlement.id})],
             "revenue and output VAT differ from its buyer total at its VAT rate",
             "vouchers' 5001 and 22210102 differ from its revenue and output VAT")


def test_a_posted_sale_made_exempt(good, runner):
    tampered(runner, [("UPDATE settlements SET sale_vat_rate_pct = NULL, sale_vat_exempt_basis = '蔬菜流通环节免税', "
                       "sale_net = buyer_total, output_vat = 0 WHERE id = :id", {"id": good.settlement.id})],
             # consistent on its own, but not with what was booked
             "vouchers' 5001 and 22210102 differ from its revenue and output VAT")


def test_output_vat_booked_as_revenue_in_the_sale_voucher(good, runner):
    sale = next(v for v in db.session.scalars(select(Voucher).where(Voucher.source == VoucherSource.SETTLEMENT,
                                                                    Voucher.source_id == good.settlement.id))
                if v.summary.startswith("销售"))
    revenue, output = (db.session.scalar(select(Account.id).where(Account.code == code)) for code in ("5001", "22210102"))
    tampered(runner, [("UPDATE voucher_lines SET account_id = :revenue WHERE voucher_id = :id AND account_id = :output",
                       {"revenue": revenue, "output": output, "id": sale.id})],
             "hash chain is broken", "vouchers' 5001 and 22210102 differ from its revenue and output VAT")


def test_a_special_invoice_claimed_after_posting(good, runner):
    # the freight "came with" a special invoice whose VAT was never deducted in the books
    from market.settlements.computing import cost_input_vat
    from market.units import Money

    vat = Money(cost_input_vat(good.settlement.logistics, Decimal("9"))).fen
    tampered(runner, [("UPDATE settlements SET logistics_invoice_no = '04400999', logistics_vat_rate_pct = 900, "
                       "logistics_input_vat = :vat WHERE id = :id", {"vat": vat, "id": good.settlement.id})],
             "vouchers' 22210101 differ from its purchase invoices' and special invoices' VAT")


def test_a_special_invoices_vat_inflated(good, runner):
    tampered(runner, [("UPDATE settlements SET logistics_invoice_no = '04400999', logistics_vat_rate_pct = 900, "
                       "logistics_input_vat = logistics WHERE id = :id", {"id": good.settlement.id})],
             "its logistics input VAT differs from its special invoice's amount at its rate")


def test_a_payments_amount_changed(good, runner):
    payment = good.payouts[0]
    tampered(runner, [("UPDATE payments SET amount = amount + 10000 WHERE id = :id", {"id": payment.id})],
             f"payment {payment.number}: its voucher")


def test_a_payments_household_changed(good, runner):
    payment = good.payouts[0]
    other = _line(good, next(l.household.head_name for l in good.settlement.households
                             if l.household_id != payment.household_id))
    tampered(runner, [("UPDATE payments SET household_id = :other WHERE id = :id",
                       {"other": other.household_id, "id": payment.id})],
             f"payment {payment.number}: its voucher")


def test_a_payments_method_changed(good, runner):
    payment = good.payouts[0]
    tampered(runner, [("UPDATE payments SET method = 'wechat' WHERE id = :id", {"id": payment.id})],
             f"payment {payment.number}: its voucher")


def test_both_lines_of_a_voucher_raised_alike(good, runner):
    voucher = _payout_voucher(good)
    tampered(runner, [("UPDATE voucher_lines SET debit = debit + 10000 WHERE voucher_id = :id AND debit > 0",
                       {"id": voucher.id}),
                      ("UPDATE voucher_lines SET credit = credit + 10000 WHERE voucher_id = :id AND credit > 0",
                       {"id": voucher.id})],
             "hash chain is broken", f"payment {good.payouts[0].number}: its voucher")


def test_a_voucher_line_moved_to_another_household(good, runner):
    voucher = _payout_voucher(good)
    other = next(l.household_id for l in good.settlement.households if l.household_id != good.payouts[0].household_id)
    tampered(runner, [("UPDATE voucher_lines SET party_id = :other WHERE voucher_id = :id AND party_id IS NOT NULL",
                       {"other": other, "id": voucher.id})],
             "hash chain is broken", f"payment {good.payouts[0].number}: its voucher")


def test_a_voucher_line_moved_from_the_bank_to_cash(good, runner):
    voucher = _payout_voucher(good)
    bank, cash = (db.session.scalar(select(Account.id).where(Account.code == code)) for code in ("1002", "1001"))
    tampered(runner, [("UPDATE voucher_lines SET account_id = :cash WHERE voucher_id = :id AND account_id = :bank",
                       {"cash": cash, "bank": bank, "id": voucher.id})],
             "hash chain is broken", f"payment {good.payouts[0].number}: its voucher")


def test_the_last_voucher_deleted_and_the_counter_decremented(good, runner):
    last = db.session.scalar(select(Voucher).where(Voucher.source == VoucherSource.SETTLEMENT,
                                                   Voucher.status == VoucherStatus.POSTED)
                             .order_by(Voucher.number.desc()).limit(1))
    assert last.number == last.period.last_number
    last_id, period_id = last.id, last.period_id
    refused("DELETE FROM voucher_lines WHERE voucher_id = :id", id=last.id)
    refused("DELETE FROM vouchers WHERE id = :id", id=last.id)
    behind_the_guards(("DELETE FROM voucher_lines WHERE voucher_id = :id", {"id": last_id}),
                      ("DELETE FROM vouchers WHERE id = :id", {"id": last_id}),
                      ("UPDATE periods SET last_number = last_number - 1 WHERE id = :id", {"id": period_id}))
    verify_fails(runner, f"voucher {last_id} is in the audit log but no longer in the books",
                 f"settlement {good.settlement.number}: its posted vouchers differ")


def test_a_voucher_moved_into_a_closed_month(paid, runner, accountant, reviewer):
    from tests.market.books.conftest import post_waiting_vouchers

    august = db.session.scalar(select(Period).where(Period.year == 2026, Period.month == 8))
    for carry in ledger.prepare_closing(accountant, august):  # 期末结转损益, reviewed like any voucher
        ledger.approve(reviewer, carry)
        ledger.post(reviewer, carry)
    ledger.close_period(accountant, august)
    db.session.commit()
    post_waiting_vouchers(reviewer)  # September's and October's, after August was closed
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    voucher = _payout_voucher(paid)  # September
    number = august.last_number + 1
    refused("UPDATE vouchers SET voucher_date = :day WHERE id = :id", day=date(2026, 8, 31), id=voucher.id)
    behind_the_guards(("UPDATE vouchers SET voucher_date = :day WHERE id = :id",
                       {"day": date(2026, 8, 31), "id": voucher.id}))
    verify_fails(runner, f"voucher {voucher.id}", "outside its period")
    behind_the_guards(("UPDATE vouchers SET period_id = :august, number = :number WHERE id = :id",
                       {"august": august.id, "number": number, "id": voucher.id}),
                      ("UPDATE periods SET last_number = :number WHERE id = :august",
                       {"number": number, "august": august.id}))
    output = verify_fails(runner, f"was posted after {august} was closed", "hash chain is broken")
    assert "outside its period" not in output


def test_audit_events_deleted(good, runner):
    refused("UPDATE audit_events SET action = 'x' WHERE action = 'voucher.prepare'")
    tampered(runner, [("DELETE FROM audit_events WHERE action IN ('voucher.prepare', 'settlement.post') "
                       "OR entity_type = 'payments'", {})],
             "its audit event voucher.prepare is missing", "its audit event settlement.post is missing",
             f"payment {good.payouts[0].number}: its audit event is missing")


def test_a_posted_settlements_items_invoices_and_payment_applications_are_guarded(good):
    line = _line(good)
    refused("UPDATE settlement_items SET amount = amount + 100 WHERE line_id = :id", id=line.id)
    refused("DELETE FROM settlement_items WHERE line_id = :id", id=line.id)
    refused("UPDATE purchase_invoices SET amount = amount + 100, cost = cost + 100 WHERE line_id = :id", id=line.id)
    refused("DELETE FROM settlement_households WHERE id = :id", id=line.id)
    refused("DELETE FROM settlements WHERE id = :id", id=good.settlement.id)
    refused("UPDATE payment_applications SET amount = amount + 1 WHERE payment_id = :id", id=good.payouts[0].id)
    refused("DELETE FROM payments WHERE id = :id", id=good.receipt.id)
    # what the services do after posting stays possible: what was paid and received, voiding
    db.session.execute(text("UPDATE settlement_households SET paid = paid WHERE id = :id"), {"id": line.id})
    db.session.execute(text("UPDATE settlements SET buyer_received = buyer_received WHERE id = :id"),
                       {"id": good.settlement.id})
    db.session.rollback()


def test_voiding_a_payment_goes_through_the_guards_and_verifies(good, runner, accountant, reviewer):
    from market.payments import services as payments
    from tests.market.books.conftest import post_waiting_vouchers

    payments.void_payment(accountant, good.payouts[0], "录错了")
    db.session.commit()
    post_waiting_vouchers(reviewer)
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert db.session.get(Payment, good.payouts[0].id).voided_at is not None


def _copy_row(table, where: str) -> str:
    """``INSERT … SELECT`` of a row of ``table`` (all but its id), as a forger would add one."""
    columns = ", ".join(c.name for c in table.columns if c.name != "id")
    return f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {table.name} WHERE {where}"


def test_nothing_is_added_to_a_posted_settlement(good, runner, make_household):
    from models import PurchaseInvoice, SettlementHousehold, SettlementItem
    line = _line(good)
    stranger = make_household("王外人", id_number="610402196001011238", phone="13912340000").id
    db.session.commit()
    columns = [c.name for c in SettlementHousehold.__table__.columns if c.name != "id"]
    chosen = ", ".join(":household" if c == "household_id" else c for c in columns)
    add_line = (f"INSERT INTO settlement_households ({', '.join(columns)}) "
                f"SELECT {chosen} FROM settlement_households WHERE id = :id")
    refused(add_line, id=line.id, household=stranger)
    refused(_copy_row(SettlementItem.__table__, "line_id = :id LIMIT 1"), id=line.id)
    refused(_copy_row(PurchaseInvoice.__table__, "line_id = :id"), id=line.id)
    # behind the guards, an item slipped into a household's line: verify finds the line's gross short of its items
    tampered(runner, [(_copy_row(SettlementItem.__table__, "line_id = :id LIMIT 1"), {"id": line.id})],
             "gross differs from the sum of its items")


def _closed_august(accountant, reviewer):
    august = db.session.scalar(select(Period).where(Period.year == 2026, Period.month == 8))
    for carry in ledger.prepare_closing(accountant, august):
        ledger.approve(reviewer, carry)
        ledger.post(reviewer, carry)
    ledger.close_period(accountant, august)
    db.session.commit()
    return august


def test_a_closed_months_voucher_changed_and_its_chain_recomputed(paid, runner, accountant, reviewer):
    august = _closed_august(accountant, reviewer)
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    voucher = db.session.scalar(select(Voucher).where(Voucher.period_id == august.id,
                                                      Voucher.status == VoucherStatus.POSTED).order_by(Voucher.number))
    # a forger raises both sides of the first voucher alike, then recomputes every hash of the month
    behind_the_guards(("UPDATE voucher_lines SET debit = CASE WHEN debit > 0 THEN debit + 100 ELSE 0 END, "
                       "credit = CASE WHEN credit > 0 THEN credit + 100 ELSE 0 END WHERE voucher_id = :id",
                       {"id": voucher.id}))
    rechained, previous = [], ""
    for each in db.session.scalars(select(Voucher).where(Voucher.period_id == august.id,
                                                         Voucher.status == VoucherStatus.POSTED)
                                   .order_by(Voucher.number)):
        previous = ledger.chain_hash_of(each, previous)
        rechained.append(("UPDATE vouchers SET chain_hash = :hash WHERE id = :id", {"hash": previous, "id": each.id}))
    behind_the_guards(*rechained)
    output = verify_fails(runner, f"the hash chain of {august} no longer ends where its closing recorded")
    assert "its hash chain is broken" not in output  # the chain itself was made whole again


def test_a_closed_month_opened_behind_the_audit_log(paid, runner, accountant, reviewer):
    august = _closed_august(accountant, reviewer)
    # reopened by hand, so that something can be posted into it; the audit log still has it closed
    behind_the_guards(("UPDATE periods SET status = 'open', closed_at = NULL, closed_by_id = NULL WHERE id = :id",
                       {"id": august.id}))
    verify_fails(runner, f"{august} is open but the audit log has it closed")


def _forged_voucher(original: Voucher) -> int:
    """A voucher row written in SQL beside ``original``, approved and waiting to be posted."""
    db.session.execute(text(
        "INSERT INTO vouchers (period_id, voucher_date, summary, attachments, status, source, source_id, "
        "idempotency_key, body_hash, prepared_by_id, prepared_at, approved_by_id, approved_at, rejected_reason) "
        "SELECT period_id, voucher_date, summary, attachments, 'approved', source, source_id, 'forged', body_hash, "
        "prepared_by_id, prepared_at, approved_by_id, approved_at, '' FROM vouchers WHERE id = :id"),
        {"id": original.id})
    return db.session.scalar(select(Voucher.id).where(Voucher.idempotency_key == "forged"))


#: ``original``'s lines copied to the forged voucher in one multi-row statement, the debits raised by ``more``
COPY_LINES = ("INSERT INTO voucher_lines (voucher_id, line_no, account_id, party_type, party_id, debit, credit, memo, "
              "party_name) SELECT :forged, line_no, account_id, party_type, party_id, "
              "CASE WHEN debit > 0 THEN debit + :more ELSE 0 END, credit, memo, party_name "
              "FROM voucher_lines WHERE voucher_id = :id")
POST = "UPDATE vouchers SET status = 'posted', number = 9999, posted_by_id = approved_by_id WHERE id = :forged"


def _posting_refused(statements: list[tuple[str, dict]]) -> None:
    with pytest.raises(exc.DBAPIError) as caught:
        for statement, params in statements:
            db.session.execute(text(statement), params)
        db.session.commit()  # PostgreSQL checks the balance here, SQLite when the status changes
    db.session.rollback()
    assert database_rules.UNBALANCED in str(caught.value), caught.value


def test_a_voucher_written_in_sql_is_posted_only_balanced(good):
    original = _payout_voucher(good)
    forged = _forged_voucher(original)
    # its lines in one multi-row statement, unbalanced, then posted
    _posting_refused([(COPY_LINES, {"forged": forged, "id": original.id, "more": 100}), (POST, {"forged": forged})])
    # written balanced, one line raised by an update, then posted
    forged = _forged_voucher(original)
    _posting_refused([(COPY_LINES, {"forged": forged, "id": original.id, "more": 0}),
                      ("UPDATE voucher_lines SET credit = credit + 1 WHERE voucher_id = :forged AND line_no = "
                       "(SELECT MAX(line_no) FROM voucher_lines WHERE voucher_id = :forged AND credit > 0)",
                       {"forged": forged}),
                      (POST, {"forged": forged})])
    # posted with no lines at all
    forged = _forged_voucher(original)
    _posting_refused([(POST, {"forged": forged})])
    # balanced, it posts: the check refuses what is unbalanced, not what is written in SQL
    forged = _forged_voucher(original)
    db.session.execute(text(COPY_LINES), {"forged": forged, "id": original.id, "more": 0})
    db.session.execute(text(POST), {"forged": forged})
    db.session.commit()
    assert db.session.get(Voucher, forged).status is VoucherStatus.POSTED


@pytest.mark.postgres_only
def test_behind_the_line_guard_a_statement_unbalancing_a_posted_voucher_is_refused(good):
    """With the guard of posted lines lifted, the balance check still refuses, at the end of each statement,
    one that leaves a posted voucher unbalanced: a line raised, a line added (in a multi-row insert), a line taken."""
    voucher = _payout_voucher(good)
    line = db.session.scalar(select(VoucherLine).where(VoucherLine.voucher_id == voucher.id, VoucherLine.debit > 0))
    attempts = [("UPDATE voucher_lines SET debit = debit + 1 WHERE id = :line", {"line": line.id}),
                ("INSERT INTO voucher_lines (voucher_id, line_no, account_id, party_type, party_id, debit, credit, memo, "
                 "party_name) SELECT voucher_id, line_no + 100, account_id, party_type, party_id, debit, credit, memo, "
                 "party_name FROM voucher_lines WHERE voucher_id = :id AND debit > 0", {"id": voucher.id}),
                ("DELETE FROM voucher_lines WHERE id = :line", {"line": line.id})]
    for statement, params in attempts:
        with pytest.raises(exc.DBAPIError) as caught:
            db.session.execute(text("ALTER TABLE voucher_lines DISABLE TRIGGER trg_voucher_lines_guard"))
            db.session.execute(text(statement), params)
        db.session.rollback()  # the guard comes back with the rollback
        assert database_rules.UNBALANCED in str(caught.value), caught.value
    # both sides raised alike in one statement balance: that is the hash chain's and verify's to find
    db.session.execute(text("ALTER TABLE voucher_lines DISABLE TRIGGER trg_voucher_lines_guard"))
    db.session.execute(text("UPDATE voucher_lines SET debit = CASE WHEN debit > 0 THEN debit + 1 ELSE 0 END, "
                            "credit = CASE WHEN credit > 0 THEN credit + 1 ELSE 0 END WHERE voucher_id = :id"),
                       {"id": voucher.id})
    db.session.rollback()
