"""One truth per party (往来): the ledger's balance of every buyer, household and supplier on the
accounts documents keep (1122 应收账款, 1123 预付账款, 1221 其他应收款, 2202 应付账款) equals what the
documents say they put there.

The documents' side is worked out from each document's own figures, never from its voucher lines:

- a settlement in the books: the buyer owes its total (1122); each household is owed its gross
  (2202) less what was recovered (Dr 2202; Cr 1123 advances, Cr 1221 input credit); a supplier is
  owed the logistics or packing bought from it (2202);
- a payment, an input credit, a deposit closure whose voucher is posted and not reversed by a
  posted 红字 voucher: its amount on its party's account;
- a posted adjustment: an allowance lowers the buyer's 1122, a price correction moves the
  household's 2202.

Statements, ageing and payout limits are read from those same documents, so a difference here
means the books and what people are shown disagree: a voucher typed on a party account behind the
services, a document changed after its voucher, a voucher lost.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from models import (Account, Adjustment, AdjustmentKind, AdjustmentStatus, Buyer, DepositClosure, Household,
                    InputCredit, PartyType, Payment, Settlement, SettlementKind, Supplier, Voucher, VoucherLine,
                    VoucherStatus, db)

from ..ledger.services import DOCUMENT_KEPT
from ..payments.services import PARTY_SIDE
from ..settlements.states import IN_BOOKS
from ..units import Money

#: (account code, party type, party id) → debit-positive fen
Balances = dict[tuple[str, str, int], int]

HOUSEHOLD, BUYER, SUPPLIER = PartyType.HOUSEHOLD.value, PartyType.BUYER.value, PartyType.SUPPLIER.value
RECEIVABLE, ADVANCES, OTHER_RECEIVABLE, PAYABLE = "1122", "1123", "1221", "2202"


def _fen(value: Decimal) -> int:
    return Money(value).fen


def ledger_balances() -> Balances:
    """Posted lines on the document-kept accounts, per party (added up by the database: a year holds a
    million lines on them)."""
    totals: Balances = defaultdict(int)
    rows = db.session.execute(
        select(Account.code, VoucherLine.party_type, VoucherLine.party_id, func.sum(VoucherLine.debit),
               func.sum(VoucherLine.credit))
        .join(Voucher, Voucher.id == VoucherLine.voucher_id).join(Account, Account.id == VoucherLine.account_id)
        .where(Voucher.status == VoucherStatus.POSTED, Account.code.in_(DOCUMENT_KEPT))
        .group_by(Account.code, VoucherLine.party_type, VoucherLine.party_id))
    for code, party_type, party_id, debit, credit in rows:
        totals[(code, PartyType(party_type).value, party_id or 0)] += _fen(debit) - _fen(credit)
    return {key: value for key, value in totals.items() if value}


def _in_books() -> set[int]:
    """Vouchers posted and not undone by a posted 红字 reversal."""
    posted = set(db.session.scalars(select(Voucher.id).where(Voucher.status == VoucherStatus.POSTED)))
    reversed_ = set(db.session.scalars(select(Voucher.reverses_id).where(
        Voucher.status == VoucherStatus.POSTED, Voucher.reverses_id.is_not(None))))
    return posted - reversed_


def document_balances() -> Balances:
    """What the documents say they put on the document-kept accounts, per party."""
    totals: Balances = defaultdict(int)
    for settlement in db.session.scalars(select(Settlement).where(Settlement.status.in_(IN_BOOKS))
                                         .options(selectinload(Settlement.households))):
        if settlement.kind is SettlementKind.ORDER and settlement.buyer_id is not None:
            totals[(RECEIVABLE, BUYER, settlement.buyer_id)] += _fen(settlement.buyer_total)
        for line in settlement.households:
            key = (PAYABLE, HOUSEHOLD, line.household_id)
            totals[key] += -_fen(line.gross) + _fen(line.recovered_advances) + _fen(line.recovered_input_credit)
            totals[(ADVANCES, HOUSEHOLD, line.household_id)] -= _fen(line.recovered_advances)
            totals[(OTHER_RECEIVABLE, HOUSEHOLD, line.household_id)] -= _fen(line.recovered_input_credit)
        for cost in ("logistics", "packing"):
            supplier_id = getattr(settlement, f"{cost}_supplier_id")
            if supplier_id is not None:
                totals[(PAYABLE, SUPPLIER, supplier_id)] -= _fen(getattr(settlement, cost))
    in_books = _in_books()
    for payment in db.session.scalars(select(Payment).where(Payment.voucher_id.in_(in_books))):
        account, party_debit = PARTY_SIDE[payment.kind]
        party = ((BUYER, payment.buyer_id) if payment.buyer_id else (SUPPLIER, payment.supplier_id)
                 if payment.supplier_id else (HOUSEHOLD, payment.household_id))
        totals[(account, *party)] += _fen(payment.amount) if party_debit else -_fen(payment.amount)
    for credit in db.session.scalars(select(InputCredit).where(InputCredit.voucher_id.in_(in_books))):
        totals[(OTHER_RECEIVABLE, HOUSEHOLD, credit.household_id)] += _fen(credit.amount)
    for closure in db.session.scalars(select(DepositClosure).where(DepositClosure.voucher_id.in_(in_books))):
        totals[(ADVANCES, HOUSEHOLD, closure.household_id)] -= _fen(closure.deposit)
    for adjustment in db.session.scalars(select(Adjustment).join(Settlement).where(
            Adjustment.status == AdjustmentStatus.POSTED, Settlement.status.in_(IN_BOOKS))):
        if adjustment.kind is AdjustmentKind.SALES_ALLOWANCE:
            totals[(RECEIVABLE, BUYER, adjustment.buyer_id)] += _fen(adjustment.amount)
        else:
            totals[(PAYABLE, HOUSEHOLD, adjustment.household_id)] -= _fen(adjustment.amount)
    return {key: value for key, value in totals.items() if value}


def differences() -> list[tuple[tuple[str, str, int], int, int]]:
    """(account, party type, party id), the ledger's balance, the documents' — where they differ."""
    ledger, documents = ledger_balances(), document_balances()
    return [(key, ledger.get(key, 0), documents.get(key, 0))
            for key in sorted(set(ledger) | set(documents), key=lambda k: (k[0], k[1], k[2]))
            if ledger.get(key, 0) != documents.get(key, 0)]


def _party_name(party_type: str, party_id: int) -> str:
    model = {HOUSEHOLD: Household, BUYER: Buyer, SUPPLIER: Supplier}.get(party_type)
    party = db.session.get(model, party_id) if model and party_id else None
    name = getattr(party, "head_name", None) or getattr(party, "name", None) or "?"
    return f"{party_type} {party_id} {name}"


def verify() -> list[str]:
    """Every party's balance on 1122, 1123, 1221 and 2202 agrees with its documents."""
    def yuan(fen: int) -> str:
        return f"{Money.from_fen(fen).yuan:,.2f}"
    return [f"{code} {_party_name(party_type, party_id)}: the ledger's balance is {yuan(booked)} (debit-positive), "
            f"its documents say {yuan(expected)}"
            for (code, party_type, party_id), booked, expected in differences()]
