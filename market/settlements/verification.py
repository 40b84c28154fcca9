"""Checking the settlements against the books and the payments (``verify``): each posted settlement's
vouchers are the ones its plan says, re-derived from its lines, items and VAT; each payment, input credit
and deposit closure has the voucher it should; what was paid and received is what was applied.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from models import (AuditEvent, DepositClosure, InputCredit, PartyType, Payment, PaymentApplication, Settlement,
                    SettlementHousehold, SettlementStatus, Voucher, VoucherSource, VoucherStatus, db)

from ..input_credits import services as input_credits
from ..ledger import services as ledger
from ..units import Money
from . import sales_vat, splits
from .computing import cost_input_vat, sale_lines
from .states import IN_BOOKS
from .vouchers import voucher_plan


def verify() -> list[str]:
    """The settlements agree with the books and the payments; an empty list means all hold.

    Every posted settlement has exactly the vouchers its plan says, posted; each household line's
    ``paid`` is the sum of the payouts applied to it and each settlement's ``buyer_received`` the
    sum of the receipts applied to it.
    """
    problems: list[str] = []
    posted = db.session.scalars(select(Settlement).where(Settlement.status.in_(IN_BOOKS))
                                .options(selectinload(Settlement.households)))
    for settlement in posted:
        planned = sorted((plan.summary, sum(Money(l.debit or 0).fen for l in plan.lines))
                         for plan in voucher_plan(settlement))
        written = db.session.scalars(select(Voucher).where(Voucher.source == VoucherSource.SETTLEMENT,
                                                           Voucher.source_id == settlement.id)).all()
        actual = sorted((v.summary, sum(Money(l.debit).fen for l in v.lines)) for v in written
                        if v.status is VoucherStatus.POSTED)
        if planned != actual or len(written) != len(actual):
            problems.append(f"settlement {settlement.number}: its posted vouchers differ from what it settles")
        problems += _rederived_problems(settlement, [v for v in written if v.status is VoucherStatus.POSTED])
        if not db.session.scalar(select(AuditEvent.id).where(
                AuditEvent.entity_type == Settlement.__tablename__, AuditEvent.entity_id == settlement.id,
                AuditEvent.action == "settlement.post").limit(1)):
            problems.append(f"settlement {settlement.number}: its audit event settlement.post is missing")
    for number, in db.session.execute(select(Settlement.number).where(
            Settlement.status.not_in(IN_BOOKS), Settlement.status != SettlementStatus.REVERSED,
            Settlement.id.in_(select(Voucher.source_id).where(
                Voucher.source == VoucherSource.SETTLEMENT, Voucher.status == VoucherStatus.POSTED)))):
        problems.append(f"settlement {number}: not posted, yet its vouchers are in the books")
    for payment in db.session.scalars(select(Payment).options(selectinload(Payment.voucher),
                                                              selectinload(Payment.applications))):
        problems += _source_problems(f"payment {payment.number}", payment.voided_at is not None, payment.voucher)
        if payment.voided_at is not None and payment.applications:
            problems.append(f"payment {payment.number}: void, yet still applied to what it paid")
    for credit in db.session.scalars(select(InputCredit).options(selectinload(InputCredit.voucher))):
        problems += _source_problems(f"input credit {credit.number}", credit.voided_at is not None, credit.voucher)
    for closure in db.session.scalars(select(DepositClosure).options(selectinload(DepositClosure.voucher))):
        problems += _source_problems(f"deposit closure {closure.number}", closure.voided_at is not None,
                                     closure.voucher)
    problems += _applied_mismatches(PaymentApplication.line_id, SettlementHousehold, SettlementHousehold.paid,
                                    "settlement line {}: paid differs from the payouts applied to it")
    problems += _applied_mismatches(PaymentApplication.settlement_id, Settlement, Settlement.buyer_received,
                                    "settlement {}: received differs from the receipts applied to it")
    return problems


PAYABLE, ADVANCES, REVENUE = "2202", "1123", "5001"


def _rederived_problems(settlement: Settlement, vouchers: list[Voucher]) -> list[str]:
    """A posted settlement re-derived from what it stores: each household line's gross from its
    items, its VAT from its gross, its net from its gross less what was recovered; the
    settlement's totals from its lines; each line against the vouchers' 2202, 1123 and 1221 for
    that household."""
    name = f"settlement {settlement.number}"
    problems = []
    rate = Decimal(settlement.vat_rate_pct) / 100
    booked: dict[tuple[str, int, str], int] = {}
    for voucher in vouchers:
        for line in voucher.lines:
            if line.party_type is PartyType.HOUSEHOLD:
                for side, amount in (("debit", line.debit), ("credit", line.credit)):
                    key = (line.account.code, line.party_id, side)
                    booked[key] = booked.get(key, 0) + Money(amount).fen
    derived: dict[tuple[str, int, str], int] = {}
    gross_total = vat_total = 0
    for line in settlement.households:
        who = f"{name}, household {line.household_id}"
        gross, net = Money(line.gross).fen, Money(line.net).fen
        advances, credit = Money(line.recovered_advances).fen, Money(line.recovered_input_credit).fen
        if gross != sum(Money(item.amount).fen for item in line.items):
            problems.append(f"{who}: gross differs from the sum of its items")
        if Money(line.input_vat).fen != splits.input_vat(gross, rate)[0]:
            problems.append(f"{who}: input VAT differs from the VAT of its gross")
        if net != gross - advances - credit:
            problems.append(f"{who}: net differs from gross less what was recovered")
        gross_total += gross
        vat_total += Money(line.input_vat).fen
        for key, fen in (((PAYABLE, line.household_id, "credit"), gross),
                         ((PAYABLE, line.household_id, "debit"), advances + credit),
                         ((ADVANCES, line.household_id, "credit"), advances),
                         ((input_credits.RECEIVABLE_ACCOUNT, line.household_id, "credit"), credit)):
            if fen:
                derived[key] = derived.get(key, 0) + fen
    problems += _sale_problems(settlement, vouchers)
    problems += _cost_credit_problems(settlement, vouchers)
    if Money(settlement.purchase_total).fen != gross_total or Money(settlement.input_vat).fen != vat_total \
            or Money(settlement.purchase_cost).fen != gross_total - vat_total:
        problems.append(f"{name}: its purchase total, input VAT or cost differ from its household lines")
    booked = {key: fen for key, fen in booked.items() if fen}
    for household_id in sorted({key[1] for key in booked} | {key[1] for key in derived}):
        if {k: v for k, v in booked.items() if k[1] == household_id} != \
                {k: v for k, v in derived.items() if k[1] == household_id}:
            problems.append(f"{name}, household {household_id}: its vouchers' 2202, 1123 and 1221 differ from its line")
    return problems


def _sale_problems(settlement: Settlement, vouchers: list[Voucher]) -> list[str]:
    """The VAT re-derived: the sale's 不含税金额 and 销项税额 from the buyer total at the treatment it
    recorded (per invoice line), against what its vouchers credit to 5001 and 22210102; the special
    invoices' input VAT from their amounts and rates; 22210101 against all the input VAT it keeps."""
    name = f"settlement {settlement.number}"
    problems = []
    split = sales_vat.split_sale(sale_lines(settlement))
    net, tax = Money(settlement.sale_net).fen, Money(settlement.output_vat).fen
    if (net, tax) != (split.net_fen, split.tax_fen):
        problems.append(f"{name}: its revenue and output VAT differ from its buyer total at its VAT rate")
    credited = {code: 0 for code in (REVENUE, ledger.OUTPUT_VAT)}
    for voucher in vouchers:
        for line in voucher.lines:
            if line.account.code in credited:
                credited[line.account.code] += Money(line.credit).fen - Money(line.debit).fen
    if credited != {REVENUE: net, ledger.OUTPUT_VAT: tax}:
        problems.append(f"{name}: its vouchers' 5001 and 22210102 differ from its revenue and output VAT")
    for cost in ("logistics", "packing"):
        if getattr(settlement, f"{cost}_input_vat") != cost_input_vat(getattr(settlement, cost),
                                                                      getattr(settlement, f"{cost}_vat_rate_pct")):
            problems.append(f"{name}: its {cost} input VAT differs from its special invoice's amount at its rate")
    deducted = sum(Money(line.debit).fen - Money(line.credit).fen for voucher in vouchers for line in voucher.lines
                   if line.account.code == ledger.INPUT_VAT)
    if deducted != Money(settlement.input_vat).fen + Money(settlement.costs_input_vat).fen:
        problems.append(f"{name}: its vouchers' 22210101 differ from its purchase invoices' and special invoices' VAT")
    return problems


def _cost_credit_problems(settlement: Settlement, vouchers: list[Voucher]) -> list[str]:
    """The costs' credits re-derived: each cost that names a supplier is owed to it in full (2202 by
    that supplier), the rest was paid from the bank (1002) on the settlement day."""
    owed: dict[int, int] = {}
    paid = 0
    for cost in ("logistics", "packing"):
        fen, supplier_id = Money(getattr(settlement, cost)).fen, getattr(settlement, f"{cost}_supplier_id")
        if supplier_id is None:
            paid += fen
        elif fen:
            owed[supplier_id] = owed.get(supplier_id, 0) + fen
    booked: dict[int, int] = {}
    banked = 0
    for voucher in vouchers:
        for line in voucher.lines:
            if line.party_type is PartyType.SUPPLIER:
                booked[line.party_id] = booked.get(line.party_id, 0) + Money(line.credit).fen - Money(line.debit).fen
            elif line.account.code == "1002":
                banked += Money(line.credit).fen - Money(line.debit).fen
    name = f"settlement {settlement.number}"
    problems = []
    if {k: v for k, v in booked.items() if v} != owed:
        problems.append(f"{name}: its vouchers' 2202 by supplier differ from the costs it owes its suppliers")
    if banked != paid:
        problems.append(f"{name}: its vouchers' 1002 differs from the costs paid on the settlement day")
    return problems


def _source_problems(name: str, voided: bool, voucher: Voucher | None) -> list[str]:
    """A record that stands has a voucher that was not rejected; a void one's posted voucher is reversed."""
    if voucher is None:
        return [] if voided else [f"{name}: it has no voucher"]
    if not voided and voucher.status is VoucherStatus.REJECTED:
        return [f"{name}: its voucher was rejected but it stands"]
    if voided and voucher.status is VoucherStatus.POSTED and \
            db.session.scalar(select(Voucher.id).where(Voucher.reverses_id == voucher.id)) is None:
        return [f"{name}: void, yet its posted voucher is not reversed"]
    return []


def _applied_mismatches(target, model, column, message: str) -> list[str]:
    """Rows whose stored ``column`` is not the sum of the payment applications made to them."""
    applied = {row_id: Decimal(total) for row_id, total in db.session.execute(
        select(target, func.sum(PaymentApplication.amount)).where(target.is_not(None)).group_by(target))}
    stored = dict(db.session.execute(select(model.id, column).where(
        (column > 0) | model.id.in_(list(applied) or [0]))).all())
    return [message.format(row_id) for row_id in sorted(stored) if stored[row_id] != applied.get(row_id, Decimal(0))]
