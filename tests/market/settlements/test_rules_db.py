"""The database itself refuses settlements and their lines that break the rules (raw SQL; the
payments' rules are the payments' tests).

Every refused statement has a control beside it that changes the same row within the rule and is
accepted, so a refusal proves the rule and not a typo. Runs on SQLite and PostgreSQL alike: the
checks are CHECK constraints, the posted voucher's lines are guarded by triggers.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import exc, select, text

from market.database_rules import IMMUTABLE
from market.ledger import services as ledger
from market.settlements import services
from models import PurchaseInvoice, Settlement, Voucher, VoucherLine, VoucherSource, VoucherStatus, db

DAY = date(2026, 8, 21)


@pytest.fixture
def posted(received, coordinator, accountant):
    order, _receipt = received
    settlement = services.prepare_order_settlement(coordinator, order, settle_on=DAY, logistics="120.00",
                                                   packing="30.00")
    services.submit(coordinator, settlement)
    services.approve(accountant, settlement)
    services.post(accountant, settlement)
    db.session.commit()
    return settlement


@pytest.fixture(autouse=True)
def checks_alone(posted):
    """The CHECK constraints on their own: the triggers that refuse any change to a posted
    settlement or a recorded payment (tests/market/ledger/test_tampering.py) stand aside."""
    from market import database_rules

    database_rules.lift_guards(db.session.connection())
    db.session.commit()
    yield
    db.session.rollback()
    database_rules.reinstall(db.session.connection())
    db.session.commit()


def refused(statement: str, name: str, **params) -> None:
    """``statement`` fails with an integrity error naming ``name``; nothing stays written."""
    with pytest.raises(exc.IntegrityError) as caught:
        db.session.execute(text(statement), params)
        db.session.commit()
    db.session.rollback()
    assert name in str(caught.value), f"{statement!r} was refused, but not by {name}: {caught.value}"


def accepted(statement: str, **params) -> None:
    """The control: the same kind of change within the rule goes through (and is undone)."""
    result = db.session.execute(text(statement), params)
    assert result.rowcount == 1, statement
    db.session.flush()
    db.session.rollback()


def copy_row(table, row_id: int, **overrides: str) -> str:
    """``INSERT … SELECT`` copying one row of ``table`` with some columns replaced by SQL
    expressions (the id is left to the database)."""
    names = [c.name for c in table.columns if c.name != "id"]
    values = [overrides.get(n, n) for n in names]
    return f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(values)} FROM {table.name} WHERE id = {row_id}"


# --- settlements ---------------------------------------------------------------------------------

SETTLEMENT_BREACHES = [
    # buyer total ≠ purchase + logistics + packing + margin, changed on either side
    ("margin = margin + 1", "three_way_reconciles"),
    ("buyer_total = buyer_total - 1, buyer_gross = buyer_gross - 1, sale_net = sale_net - 1", "three_way_reconciles"),
    ("logistics = logistics + 1", "three_way_reconciles"),
    ("purchase_total = purchase_total + 1, purchase_cost = purchase_cost + 1", "three_way_reconciles"),
    ("input_vat = input_vat + 1", "vat_plus_cost"),
    ("buyer_deductions = buyer_deductions + 1", "buyer_total_net"),
    ("buyer_received = buyer_total + 1", "_within_total"),  # received_within_total or adjusted_within_total: both hold it
    ("buyer_received = -1", "received_within_total"),
    ("logistics = -1, margin = margin + logistics + 1", "amounts_not_negative"),
    # the sale's revenue and output VAT make up the buyer total; no output VAT on an exempt sale
    ("output_vat = output_vat + 1", "sale_net_plus_output_vat"),
    ("sale_net = sale_net - 1", "sale_net_plus_output_vat"),
    ("sale_net = -1, output_vat = buyer_total + 1", "sale_net_plus_output_vat"),
    ("sale_vat_exempt_basis = '蔬菜流通环节免税'", "output_vat_only_when_taxable"),
    ("sale_vat_rate_pct = NULL", "output_vat_only_when_taxable"),
]


def test_a_settlement_that_does_not_reconcile_is_refused(posted):
    for change, rule in SETTLEMENT_BREACHES:
        refused(f"UPDATE settlements SET {change} WHERE id = :id", rule, id=posted.id)
    # within the rules: the buyer pays one fen more and the company keeps it
    accepted("UPDATE settlements SET buyer_gross = buyer_gross + 1, buyer_total = buyer_total + 1, "
             "margin = margin + 1, sale_net = sale_net + 1 WHERE id = :id", id=posted.id)


def test_a_settlement_inserted_without_reconciling_is_refused(posted):
    table = Settlement.__table__
    refused(copy_row(table, posted.id, number="'JS-RAW-1'", order_id="NULL", margin="margin + 1"),
            "three_way_reconciles")
    accepted(copy_row(table, posted.id, number="'JS-RAW-2'", order_id="NULL"))


# --- a household's line, its items and its invoice ------------------------------------------------

LINE_BREACHES = [
    ("paid = net + 1", "paid_within_net"),
    ("paid = -1", "paid_within_net"),
    ("net = net + 1", "gross_is_net_plus_recovered"),
    ("recovered_advances = -1, net = net + recovered_advances + 1", "not_negative"),
]


def test_a_household_is_never_paid_above_its_net_and_its_line_adds_up(posted):
    line = posted.households[0]
    for change, rule in LINE_BREACHES:
        refused(f"UPDATE settlement_households SET {change} WHERE id = :id", rule, id=line.id)
    accepted("UPDATE settlement_households SET paid = net WHERE id = :id", id=line.id)


def test_an_item_never_pays_for_more_than_was_weighed(posted):
    item = posted.households[0].items[0]
    refused("UPDATE settlement_items SET payable_kg = field_kg + 1 WHERE id = :id", "payable_within_field", id=item.id)
    accepted("UPDATE settlement_items SET payable_kg = field_kg - 1 WHERE id = :id", id=item.id)


def test_a_purchase_invoice_is_vat_plus_cost(posted):
    invoice = db.session.scalar(select(PurchaseInvoice).order_by(PurchaseInvoice.id))
    refused("UPDATE purchase_invoices SET vat = vat + 1 WHERE id = :id", "vat_plus_cost", id=invoice.id)
    accepted("UPDATE purchase_invoices SET vat = vat + 1, cost = cost - 1 WHERE id = :id", id=invoice.id)


# --- the settlement's posted vouchers -------------------------------------------------------------

def _lines(voucher_ids: list[int]) -> set[tuple]:
    return {(l.id, l.account_id, l.party_id, l.debit, l.credit, l.memo)
            for l in db.session.scalars(select(VoucherLine).where(VoucherLine.voucher_id.in_(voucher_ids)))}


TAMPERING = [
    "UPDATE voucher_lines SET debit = debit + 1 WHERE id = :line",
    "UPDATE voucher_lines SET credit = credit + 100 WHERE id = :line",
    "UPDATE voucher_lines SET party_id = 999999 WHERE id = :line",
    "UPDATE voucher_lines SET memo = '改过' WHERE id = :line",
    "DELETE FROM voucher_lines WHERE id = :line",
    "DELETE FROM voucher_lines WHERE voucher_id = :voucher",
    "INSERT INTO voucher_lines (voucher_id, line_no, account_id, party_type, debit, credit, memo) "
    "SELECT voucher_id, 99, account_id, party_type, debit, credit, memo FROM voucher_lines WHERE id = :line",
    "UPDATE vouchers SET status = 'approved', number = NULL WHERE id = :voucher",
    "UPDATE vouchers SET summary = '改过' WHERE id = :voucher",
    "DELETE FROM vouchers WHERE id = :voucher",
]


def test_the_lines_a_posted_settlement_wrote_cannot_be_changed(posted):
    vouchers = db.session.scalars(select(Voucher).where(Voucher.source == VoucherSource.SETTLEMENT,
                                                        Voucher.source_id == posted.id)).all()
    assert vouchers and {v.status for v in vouchers} == {VoucherStatus.POSTED}
    ids = [v.id for v in vouchers]
    before = _lines(ids)
    # the purchase voucher: several lines, one per household
    voucher = max(vouchers, key=lambda v: len(v.lines))
    line_id, voucher_id = voucher.lines[-1].id, voucher.id
    for statement in TAMPERING:
        with pytest.raises(exc.IntegrityError) as caught:
            db.session.execute(text(statement), {"line": line_id, "voucher": voucher_id})
            db.session.commit()
        db.session.rollback()
        assert IMMUTABLE in str(caught.value), statement
    db.session.expire_all()
    after = _lines(ids)
    assert after == before
    assert ledger.verify() == []
    assert sum((l[3] - l[4] for l in after), Decimal(0)) == 0
