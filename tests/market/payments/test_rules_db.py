"""The database itself refuses payments that break the rules (raw SQL): cash is signed for, a
large payout has its supporting document, a payment is positive and for one party.

Every refused statement has a control beside it that changes the same row within the rule and is
accepted, so a refusal proves the rule and not a typo (``refused``, ``accepted``: the settlements'
rules tests).
"""
from __future__ import annotations

import pytest

from market.payments import services as payments
from models import Payment, Settlement, db
from tests.market.settlements.test_rules_db import (  # noqa: F401  (fixtures)
    accepted, checks_alone, copy_row, posted, refused,
)


@pytest.fixture
def payout(posted, accountant):
    household = posted.households[0].household
    payment = payments.pay_household(accountant, household, payments.PaymentInput(amount="100.00", method="bank"),
                                     idempotency_key="raw-sql-base")
    db.session.commit()
    return payment


def test_a_cash_payment_needs_its_signer(payout):
    table = Payment.__table__
    refused(copy_row(table, payout.id, number="'FK-RAW-1'", idempotency_key="'raw-1'", method="'cash'", signer="''"),
            "cash_is_signed")
    refused(f"UPDATE payments SET method = 'cash', signer = '' WHERE id = {payout.id}", "cash_is_signed")
    accepted(copy_row(table, payout.id, number="'FK-RAW-2'", idempotency_key="'raw-2'", method="'cash'",
                      signer="'张秀英'"))


def test_a_payout_above_fifty_thousand_needs_a_supporting_document(payout):
    table = Payment.__table__
    # amounts are integer fen: 5,000,001 fen is ¥50,000.01
    refused(copy_row(table, payout.id, number="'FK-RAW-3'", idempotency_key="'raw-3'", amount="5000001",
                     supporting_doc="''"), "large_payout_supported")
    refused(f"UPDATE payments SET amount = 5000001, supporting_doc = '' WHERE id = {payout.id}",
            "large_payout_supported")
    accepted(copy_row(table, payout.id, number="'FK-RAW-4'", idempotency_key="'raw-4'", amount="5000000",
                      supporting_doc="''"))
    accepted(copy_row(table, payout.id, number="'FK-RAW-5'", idempotency_key="'raw-5'", amount="5000001",
                      supporting_doc="'HT2026-0001'"))
    # the rule is for payouts: a buyer may pay more without one
    accepted(copy_row(table, payout.id, number="'SK-RAW-6'", idempotency_key="'raw-6'", amount="5000001",
                      supporting_doc="''", kind="'buyer_receipt'", household_id="NULL",
                      buyer_id=str(db.session.get(Settlement, payout.applications[0].line.settlement_id).buyer_id)))


def test_a_payment_is_positive_and_for_one_party(payout, accountant):
    table = Payment.__table__
    refused(copy_row(table, payout.id, number="'FK-RAW-7'", idempotency_key="'raw-7'", amount="0"), "amount_positive")
    refused(copy_row(table, payout.id, number="'FK-RAW-8'", idempotency_key="'raw-8'", household_id="NULL"),
            "one_party")
    # a supplier is a party too: a payout to a household and a supplier at once is refused, to one alone accepted
    from market.settlements import suppliers

    supplier = suppliers.create(accountant, {"name": "顺达物流"})
    db.session.commit()
    refused(copy_row(table, payout.id, number="'FK-RAW-9'", idempotency_key="'raw-9'", supplier_id=str(supplier.id)),
            "one_party")
    accepted(copy_row(table, payout.id, number="'FK-RAW-10'", idempotency_key="'raw-10'", household_id="NULL",
                      kind="'supplier_payout'", supplier_id=str(supplier.id)))
    application = payout.applications[0]
    refused(f"UPDATE payment_applications SET settlement_id = {application.line.settlement_id} "
            f"WHERE id = {application.id}", "one_target")
    refused(f"UPDATE payment_applications SET amount = 0 WHERE id = {application.id}", "amount_positive")
