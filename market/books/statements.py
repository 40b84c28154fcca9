"""Statements (对账单): a household's deliveries, deductions, payments and what is still being
settled; a buyer's posted settlements with what was received against each.

A household's statement comes from posted settlements and the payments recorded against them,
and equals the ledger's 2202 balance of the household once every payment's voucher is posted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from models import (Adjustment, AdjustmentKind, AdjustmentStatus, Buyer, Household, Payment, PaymentApplication, PaymentKind, RoleName, Settlement,
                    SettlementHousehold, SettlementItem, SettlementKind, SlipStatus, User, Village, WeighSlip, db, settlement_slips)

from ..auth.permissions import require_household_access, require_role
from ..clock import local_zone
from ..errors import NotFound
from ..payments.applying import Open, ageing, bucket_of
from ..input_credits.services import outstanding_input_credit
from ..settlements.computing import outstanding_advances
from ..settlements.states import IN_BOOKS
from ..units import Money
from .common import READERS, ZERO, as_of_day, day_range, require_reader


@dataclass
class DeliveryRow:
    day: date
    settlement_number: str
    slip_serials: str
    grade: str
    field_kg: Decimal
    payable_kg: Decimal
    price: Decimal
    amount: Decimal


@dataclass
class DeductionRow:
    day: date
    settlement_number: str
    advances: Decimal
    input_credit: Decimal

    @property
    def total(self) -> Decimal:
        return self.advances + self.input_credit


@dataclass
class PaymentRow:
    day: date
    number: str
    method: Any
    reference: str
    amount: Decimal


@dataclass
class CorrectionRow:
    """A posted 价格更正 of one delivered grade: the amount the household is owed more (or less)."""

    day: date
    number: str
    settlement_number: str
    grade: str
    old_price: Decimal
    new_price: Decimal
    amount: Decimal
    #: the red (downwards) or supplementary 收购发票 it issued
    invoice_number: str
    reason: str


@dataclass
class PendingRow:
    """Weighed and confirmed, not yet in a posted settlement: the amount is the slip's, not yet
    owed. ``settlement_number`` names the settlement under way (draft or in review), if any."""

    day: date
    serial: str
    grades: str
    net_kg: Decimal
    amount: Decimal
    settlement_number: str = ""
    #: delivered on a purchase contract (bought for the company's stock), not for a supermarket order
    for_contract: bool = False


@dataclass
class HouseholdStatement:
    household: Household
    start: date
    end: date
    opening: Decimal
    deliveries: list[DeliveryRow] = field(default_factory=list)
    deductions: list[DeductionRow] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    pending: list[PendingRow] = field(default_factory=list)
    corrections: list[CorrectionRow] = field(default_factory=list)
    #: paid ahead (预付款, a fulfilled contract's 定金) and supplied on credit (赊销农资), not yet taken
    #: back by a posted settlement: the next settlements deduct it
    advances_to_set_off: Decimal = ZERO
    credit_to_set_off: Decimal = ZERO

    @property
    def to_set_off(self) -> Decimal:
        return self.advances_to_set_off + self.credit_to_set_off

    @property
    def delivered(self) -> Decimal:
        return sum((row.amount for row in self.deliveries), ZERO)

    @property
    def delivered_kg(self) -> Decimal:
        return sum((row.payable_kg for row in self.deliveries), Decimal("0.000"))

    @property
    def deducted(self) -> Decimal:
        return sum((row.total for row in self.deductions), ZERO)

    @property
    def corrected(self) -> Decimal:
        return sum((row.amount for row in self.corrections), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((row.amount for row in self.payments), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.delivered + self.corrected - self.deducted - self.paid

    @property
    def pending_kg(self) -> Decimal:
        return sum((row.net_kg for row in self.pending), Decimal("0.000"))

    @property
    def pending_amount(self) -> Decimal:
        return sum((row.amount for row in self.pending), ZERO)


def get_household(actor: User, household_id: int) -> Household:
    household = db.session.get(Household, household_id)
    if household is None:
        raise NotFound(_l("This household does not exist."))
    _require_statement_reader(actor, household)
    return household


def _require_statement_reader(actor: User, household: Household) -> None:
    if actor is not None and getattr(actor, "is_authenticated", False) and actor.has_role(*READERS):
        return
    require_role(actor, RoleName.VILLAGER)
    require_household_access(actor, household.id)


def household_statement(actor: User, household: Household, start: Any = None, end: Any = None) -> HouseholdStatement:
    """对账单 of a household from ``start`` to ``end`` (inclusive; default: this year).

    Opening owed at ``start``; each delivery its posted settlements in the range paid for; what
    those settlements deducted (advances recovered, input credit); payouts made; closing owed;
    and, apart, what was weighed and confirmed but is not settled yet.
    """
    _require_statement_reader(actor, household)
    first, last = day_range(start, end)
    in_books = (select(SettlementHousehold).join(Settlement)
                .where(SettlementHousehold.household_id == household.id, Settlement.status.in_(IN_BOOKS)))
    net_before = sum((line.net for line in db.session.scalars(in_books.where(Settlement.settle_on < first))), ZERO)
    paid_before = sum((p.amount for p in db.session.scalars(_payouts(household.id).where(Payment.paid_on < first))),
                      ZERO)
    corrected_before = sum((c.amount for c in db.session.scalars(
        _corrections(household.id).where(Adjustment.adjusted_on < first))), ZERO)
    statement = HouseholdStatement(household=household, start=first, end=last,
                                   opening=net_before + corrected_before - paid_before)
    lines = db.session.scalars(in_books.where(Settlement.settle_on >= first, Settlement.settle_on <= last)
                               .options(selectinload(SettlementHousehold.items))
                               .order_by(Settlement.settle_on, Settlement.id))
    for line in lines:
        settlement = line.settlement
        for item in line.items:
            statement.deliveries.append(DeliveryRow(
                day=item.delivered_on, settlement_number=settlement.number, slip_serials=item.slip_serials,
                grade=item.grade.name, field_kg=item.field_kg, payable_kg=item.payable_kg, price=item.price,
                amount=item.amount))
        if line.recovered_advances + line.recovered_input_credit > 0:
            statement.deductions.append(DeductionRow(
                day=settlement.settle_on, settlement_number=settlement.number, advances=line.recovered_advances,
                input_credit=line.recovered_input_credit))
    for payment in db.session.scalars(_payouts(household.id).where(Payment.paid_on >= first, Payment.paid_on <= last)):
        statement.payments.append(PaymentRow(day=payment.paid_on, number=payment.number, method=payment.method,
                                             reference=payment.reference, amount=payment.amount))
    for correction in db.session.scalars(_corrections(household.id).where(Adjustment.adjusted_on >= first,
                                                                        Adjustment.adjusted_on <= last)):
        statement.corrections.append(CorrectionRow(
            day=correction.adjusted_on, number=correction.number, settlement_number=correction.settlement.number,
            grade=correction.item.grade.name, old_price=correction.old_price, new_price=correction.new_price,
            amount=correction.amount, invoice_number=correction.invoice_number, reason=correction.reason))
    statement.pending = pending_deliveries(household.id)
    statement.advances_to_set_off = Money.from_fen(outstanding_advances(household.id, counting=IN_BOOKS)).yuan
    statement.credit_to_set_off = Money.from_fen(outstanding_input_credit(household.id, counting=IN_BOOKS)).yuan
    return statement


def _corrections(household_id: int) -> Select:
    return (select(Adjustment).where(Adjustment.household_id == household_id,
                                     Adjustment.kind == AdjustmentKind.PRICE_CORRECTION,
                                     Adjustment.status == AdjustmentStatus.POSTED)
            .options(selectinload(Adjustment.settlement), selectinload(Adjustment.item).selectinload(SettlementItem.grade))
            .order_by(Adjustment.adjusted_on, Adjustment.id))


def _payouts(household_id: int) -> Select:
    return (select(Payment).where(Payment.household_id == household_id, Payment.voided_at.is_(None),
                                  Payment.kind == PaymentKind.HOUSEHOLD_PAYOUT)
            .order_by(Payment.paid_on, Payment.id))


def pending_deliveries(household_id: int) -> list[PendingRow]:
    """Confirmed weigh slips of the household that no posted settlement pays for yet: those no
    settlement holds, and those of a settlement still being prepared or reviewed (named)."""
    under_way = (select(settlement_slips.c.slip_id, Settlement.number)
                 .join(Settlement, Settlement.id == settlement_slips.c.settlement_id)
                 .where(Settlement.status.not_in(IN_BOOKS)).subquery())
    rows = db.session.execute(
        select(WeighSlip, under_way.c.number).outerjoin(under_way, under_way.c.slip_id == WeighSlip.id)
        .where(WeighSlip.household_id == household_id, WeighSlip.status == SlipStatus.CONFIRMED,
               ~WeighSlip.id.in_(select(settlement_slips.c.slip_id).join(
                   Settlement, Settlement.id == settlement_slips.c.settlement_id).where(Settlement.status.in_(IN_BOOKS))))
        .options(selectinload(WeighSlip.lines)).order_by(WeighSlip.weighed_at, WeighSlip.id))
    zone = local_zone()
    return [PendingRow(day=slip.weighed_at.astimezone(zone).date(), serial=slip.serial,
                       grades="、".join(line.grade.name for line in slip.lines), net_kg=slip.net_kg,
                       amount=slip.amount, settlement_number=number or "", for_contract=slip.contract_id is not None)
            for slip, number in rows]


def households(actor: User) -> list[Household]:
    require_reader(actor)
    return list(db.session.scalars(select(Household).options(selectinload(Household.village))
                                   .order_by(Household.village_id, Household.head_name, Household.id)))


def household_choices(actor: User) -> list[tuple[int, str]]:
    """(id, "head · village") of every household, in the order of :func:`households`: what the
    statement's choice shows, read as plain rows (a district's 5,000 households as objects, each
    with its village, were most of the page's time)."""
    require_reader(actor)
    return [(household_id, f"{head} · {village}") for household_id, head, village in db.session.execute(
        select(Household.id, Household.head_name, Village.name).join(Village, Village.id == Household.village_id)
        .order_by(Household.village_id, Household.head_name, Household.id))]


@dataclass
class ReceivableRow:
    settlement: Settlement
    day: date
    due_on: date
    amount: Decimal
    received: Decimal
    as_of: date
    #: sales allowances (销售折让) posted by ``as_of``, above zero
    allowed: Decimal = ZERO

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.allowed - self.received

    @property
    def days_overdue(self) -> int:
        return max(0, (self.as_of - self.due_on).days) if self.outstanding > 0 else 0

    @property
    def bucket(self) -> str:
        return bucket_of(self.due_on, self.as_of)


@dataclass
class BuyerStatement:
    buyer: Buyer
    as_of: date
    rows: list[ReceivableRow] = field(default_factory=list)
    receipts: list[PaymentRow] = field(default_factory=list)
    allowances: list[PaymentRow] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return sum((row.amount for row in self.rows), ZERO)

    @property
    def allowed(self) -> Decimal:
        return sum((row.allowed for row in self.rows), ZERO)

    @property
    def received(self) -> Decimal:
        return sum((row.received for row in self.rows), ZERO)

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.allowed - self.received

    @property
    def buckets(self) -> dict[str, Decimal]:
        fen = ageing([Open(row.settlement.id, row.due_on, Money(row.outstanding).fen) for row in self.rows], self.as_of)
        return {label: Money.from_fen(value).yuan for label, value in fen.items()}


def get_buyer(actor: User, buyer_id: int) -> Buyer:
    require_reader(actor)
    buyer = db.session.get(Buyer, buyer_id)
    if buyer is None:
        raise NotFound(_l("This buyer does not exist."))
    return buyer


def buyers(actor: User) -> list[Buyer]:
    require_reader(actor)
    return list(db.session.scalars(select(Buyer).order_by(Buyer.name, Buyer.id)))


def buyer_statement(actor: User, buyer: Buyer, as_of: Any = None) -> BuyerStatement:
    """The buyer's posted order settlements up to ``as_of`` with what was received against each by
    then, what is outstanding, days overdue and the ageing bucket; and the receipts."""
    require_reader(actor)
    day = as_of_day(as_of)
    statement = BuyerStatement(buyer=buyer, as_of=day)
    settlements = list(db.session.scalars(
        select(Settlement).where(Settlement.buyer_id == buyer.id, Settlement.kind == SettlementKind.ORDER,
                                 Settlement.status.in_(IN_BOOKS), Settlement.settle_on <= day)
        .order_by(Settlement.settle_on, Settlement.id)))
    received = _received_by(day, [s.id for s in settlements])
    allowed: dict[int, Decimal] = {}
    for allowance in db.session.scalars(
            select(Adjustment).where(Adjustment.buyer_id == buyer.id, Adjustment.status == AdjustmentStatus.POSTED,
                                     Adjustment.kind == AdjustmentKind.SALES_ALLOWANCE, Adjustment.adjusted_on <= day)
            .order_by(Adjustment.adjusted_on, Adjustment.id)):
        allowed[allowance.settlement_id] = allowed.get(allowance.settlement_id, ZERO) - allowance.amount
        statement.allowances.append(PaymentRow(day=allowance.adjusted_on, number=allowance.number, method=None,
                                               reference=allowance.invoice_number or allowance.reason[:64],
                                               amount=-allowance.amount))
    for settlement in settlements:
        statement.rows.append(ReceivableRow(settlement=settlement, day=settlement.settle_on,
                                            due_on=settlement.due_on or settlement.settle_on,
                                            amount=settlement.buyer_total, allowed=allowed.get(settlement.id, ZERO),
                                            received=received.get(settlement.id, ZERO), as_of=day))
    for payment in db.session.scalars(
            select(Payment).where(Payment.buyer_id == buyer.id, Payment.kind == PaymentKind.BUYER_RECEIPT,
                                  Payment.voided_at.is_(None), Payment.paid_on <= day).order_by(Payment.paid_on, Payment.id)):
        statement.receipts.append(PaymentRow(day=payment.paid_on, number=payment.number, method=payment.method,
                                             reference=payment.reference, amount=payment.amount))
    return statement


def _received_by(day: date, settlement_ids: list[int]) -> dict[int, Decimal]:
    if not settlement_ids:
        return {}
    rows = db.session.execute(
        select(PaymentApplication.settlement_id, PaymentApplication.amount).join(Payment)
        .where(PaymentApplication.settlement_id.in_(settlement_ids), Payment.paid_on <= day))
    totals: dict[int, Decimal] = {}
    for settlement_id, amount in rows:
        totals[settlement_id] = totals.get(settlement_id, ZERO) + amount
    return totals
