"""The public disclosure of an order (村务公示): who sold how much at what price, names masked."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import (SETTLEMENT_IN_BOOKS, Adjustment, AdjustmentKind, AdjustmentStatus, BuyerOrder, OrderStatus,
                    Settlement, SettlementItem,
                    SlipStatus, db)

from ..errors import NotFound
from ..privacy import mask_name
from .common import PAST_ALLOCATION, order_slips


@dataclass(frozen=True)
class DisclosureRow:
    #: the household's number on the notice: masked names repeat, numbers do not
    number: int
    household: str
    place: str
    grade: str
    grade_rank: int
    kg: Decimal
    #: 元/公斤
    price: Decimal
    amount: Decimal
    #: the price was corrected after the settlement (价格更正): price and amount are the corrected ones
    corrected: bool = False


@dataclass
class Disclosure:
    number: str
    product: str
    variety: str
    window_start: date
    window_end: date
    status: OrderStatus
    rows: list[DisclosureRow]
    total_kg: Decimal
    total_amount: Decimal
    households: int


def disclosure(number: str) -> Disclosure:
    """Who sold how much at what price into an order, names masked. Public: no actor.

    :raises NotFound: no such order, or one not yet allocated (or cancelled).
    """
    order = db.session.scalar(select(BuyerOrder).where(BuyerOrder.number == (number or "").strip()))
    if order is None or order.status not in PAST_ALLOCATION:
        raise NotFound(_l("No public record exists for this order."))
    totals: dict[tuple, list] = {}
    for slip in order_slips(order):
        if slip.status is not SlipStatus.CONFIRMED:
            continue
        household = slip.household
        place = household.village.name + (household.group.name if household.group else "")
        for line in slip.lines:
            key = (place, mask_name(household.head_name), household.id, line.grade.rank, line.grade.name,
                   line.unit_price)
            entry = totals.setdefault(key, [Decimal("0.000"), Decimal("0.00")])
            entry[0] += line.net_kg
            entry[1] += line.amount
    corrected = _apply_corrections(order, totals)
    numbers: dict[int, int] = {}
    rows = []
    for key, (kg, amount) in sorted(totals.items(), key=lambda i: i[0]):
        place, masked, household_id, rank, grade, price = key
        number = numbers.setdefault(household_id, len(numbers) + 1)
        rows.append(DisclosureRow(number=number, household=masked, place=place, grade=grade, grade_rank=rank, kg=kg,
                                  price=price, amount=amount, corrected=key in corrected))
    return Disclosure(number=order.number, product=order.variety.product.name, variety=order.variety.name,
                      window_start=order.window_start, window_end=order.window_end, status=order.status, rows=rows,
                      total_kg=sum((r.kg for r in rows), Decimal("0.000")),
                      total_amount=sum((r.amount for r in rows), Decimal("0.00")),
                      households=len({key[2] for key in totals}))


def _apply_corrections(order: BuyerOrder, totals: dict[tuple, list]) -> set[tuple]:
    """Posted 价格更正 of the order's settlement, in the order they were posted: each moves its grade line
    from the price it stood at to the corrected one, with the difference; the keys corrected."""
    corrections = db.session.scalars(
        select(Adjustment).join(Settlement, Settlement.id == Adjustment.settlement_id)
        .where(Settlement.order_id == order.id, Settlement.status.in_(SETTLEMENT_IN_BOOKS),
               Adjustment.kind == AdjustmentKind.PRICE_CORRECTION,
               Adjustment.status == AdjustmentStatus.POSTED).order_by(Adjustment.id))
    corrected: set[tuple] = set()
    for correction in corrections:
        item: SettlementItem = correction.item
        for key in [k for k in totals if k[2] == correction.household_id and k[4] == item.grade.name
                    and k[5] == correction.old_price]:
            kg, amount = totals.pop(key)
            moved = (*key[:5], correction.new_price)
            entry = totals.setdefault(moved, [Decimal("0.000"), Decimal("0.00")])
            entry[0] += kg
            entry[1] += amount + correction.amount
            corrected.discard(key)
            corrected.add(moved)
            break
    return corrected
