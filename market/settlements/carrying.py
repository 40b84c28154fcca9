"""Payments carried from a reversed settlement to the party's next one (paid in advance).

When a settlement is reversed, what its payments had paid on it is taken off it and kept as a
``CarriedPayment`` of the household or the buyer. The next settlement of that party posted — the
corrected one — takes it, oldest payment first, each household line and the buyer's total up to
what they are owed; what does not fit stays carried for the settlement after.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from models import CarriedPayment, Payment, PaymentApplication, Settlement, SettlementKind, db

from ..locking import lock_row
from ..units import Money


def _open_carried(**party: int) -> list[CarriedPayment]:
    return list(db.session.scalars(
        select(CarriedPayment).join(Payment, Payment.id == CarriedPayment.payment_id)
        .where(*(getattr(CarriedPayment, name) == value for name, value in party.items()),
               CarriedPayment.applied < CarriedPayment.amount, Payment.voided_at.is_(None))
        .order_by(Payment.paid_on, Payment.id, CarriedPayment.id).with_for_update(of=CarriedPayment)))


def _take(rows: list[CarriedPayment], open_fen: int) -> list[tuple[CarriedPayment, Decimal]]:
    """What each carried row gives, in the order given (oldest payment first), up to ``open_fen``."""
    taken = []
    for row in rows:
        if open_fen <= 0:
            break
        part = min(open_fen, Money(row.left).fen)
        if part > 0:
            taken.append((row, Money.from_fen(part).yuan))
            open_fen -= part
    return taken


def apply_carried(settlement: Settlement) -> list[PaymentApplication]:
    """A settlement being posted takes what its parties had paid on a reversed one."""
    applications = []
    if settlement.kind is SettlementKind.ORDER and settlement.buyer_id is not None:
        for row, amount in _take(_open_carried(buyer_id=settlement.buyer_id),
                                 Money(settlement.buyer_outstanding).fen):
            applications.append(PaymentApplication(payment_id=row.payment_id, settlement_id=settlement.id,
                                                    amount=amount))
            row.applied = row.applied + amount
            settlement.buyer_received = settlement.buyer_received + amount
    # (one look for all its households; most settlements have nothing carried to them)
    waiting = set(db.session.scalars(select(CarriedPayment.household_id).where(
        CarriedPayment.household_id.in_([line.household_id for line in settlement.households]),
        CarriedPayment.applied < CarriedPayment.amount)))
    for line in settlement.households:
        if line.household_id not in waiting:
            continue
        for row, amount in _take(_open_carried(household_id=line.household_id), Money(line.owed).fen):
            lock_row(line)
            applications.append(PaymentApplication(payment_id=row.payment_id, line_id=line.id, amount=amount))
            row.applied = row.applied + amount
            line.paid = line.paid + amount
    db.session.add_all(applications)
    db.session.flush()
    return applications
