"""Stock moved by settlements: a posted contract batch's receipts, an order filled from the warehouse
(its stock lines, issued at cost when its settlement is posted), and both undone by a reversal.

- A posted **contract batch** settlement enters its deliveries as receipts, per variety and grade:
  their grams, and the batch's cost (the purchase less its input VAT, what 1405 is debited) split
  over the items by what the slips paid for each (largest remainder, ties to the smaller item).
- An **order filled from the warehouse** in part or in full carries stock lines (kilograms of a
  grade of the order's variety); posting the order's settlement issues them at cost, and the sale
  voucher of that settlement carries 借5401 / 贷1405 for it.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from models import (BuyerOrder, Grade, OrderStatus, OrderStockLine, Settlement, SettlementStatus, StockMovement,
                    StockMovementKind, Shipment, User, db, settlement_shipments)

from .. import audit
from ..auth.permissions import require_role
from ..errors import Conflict, FieldErrors
from ..locking import lock_row
from ..orders.states import ORDER
from ..units import Money, Weight, split_largest_remainder
from . import costing
from .common import (FILLABLE, STAFF, InsufficientStock, balance_of, _issue, _item_name, _lock_item, _quantity,
                     _refuse_short, _write)


@dataclass(frozen=True)
class ItemReceipt:
    variety_id: int
    grade_id: int
    grams: int
    fen: int


def batch_receipts(settlement: Settlement) -> list[ItemReceipt]:
    """What a contract batch brings into stock: its slips' grams per variety and grade, and its
    cost (purchase less input VAT) split over them by what the slips paid for each."""
    items: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for slip in settlement.slips:
        for line in slip.lines:
            item = items[(slip.variety_id, line.grade_id)]
            item[0] += Weight(line.net_kg).grams
            item[1] += Money(line.amount).fen
    items = {key: item for key, item in items.items() if item[0] > 0}
    if not items:
        return []
    weights = {key: item[1] for key, item in items.items()}
    if not any(weights.values()):
        weights = {key: item[0] for key, item in items.items()}
    values = split_largest_remainder(Money(settlement.purchase_cost).fen, weights)
    return [ItemReceipt(key[0], key[1], items[key][0], values[key]) for key in sorted(items)]


def receive_batch(settlement: Settlement) -> list[StockMovement]:
    """The receipts of a contract batch being posted (its purchase voucher debits 1405 their sum)."""
    movements = []
    for item in batch_receipts(settlement):
        _lock_item(item.variety_id, item.grade_id)
        after = costing.receive(balance_of(item.variety_id, item.grade_id), item.grams, item.fen)
        movements.append(_write(StockMovementKind.RECEIPT, item.variety_id, item.grade_id, settlement.settle_on,
                                item.grams, item.fen, after, f"合同收购入库 {settlement.number}",
                                settlement_id=settlement.id))
    return movements


# --- orders filled from the warehouse --------------------------------------------------------

def stock_lines(order_id: int) -> list[OrderStockLine]:
    return list(db.session.scalars(select(OrderStockLine).where(OrderStockLine.order_id == order_id)
                                   .order_by(OrderStockLine.grade_id)))


def stock_grams(order_id: int) -> int:
    return sum(Weight(line.quantity_kg).grams for line in stock_lines(order_id))


def reserved_grams(variety_id: int, grade_id: int, *, excluding_order: int | None = None) -> int:
    """Stock picked for orders whose settlement has not issued it yet."""
    issued = (select(Shipment.order_id).join(settlement_shipments, settlement_shipments.c.shipment_id == Shipment.id)
              .join(Settlement, Settlement.id == settlement_shipments.c.settlement_id)
              .where(Shipment.stock_kg > 0, Settlement.status.in_((SettlementStatus.POSTED, SettlementStatus.PAID))))
    statement = (select(func.coalesce(func.sum(OrderStockLine.quantity_kg), 0)).join(BuyerOrder)
                 .where(BuyerOrder.variety_id == variety_id, OrderStockLine.grade_id == grade_id,
                        BuyerOrder.status != OrderStatus.CANCELLED, ~OrderStockLine.order_id.in_(issued)))
    if excluding_order is not None:
        statement = statement.where(OrderStockLine.order_id != excluding_order)
    raw = db.session.scalar(statement)
    return int(raw) if not isinstance(raw, Decimal) else Weight(raw).grams


def available_grams(variety_id: int, grade_id: int, *, excluding_order: int | None = None) -> int:
    return balance_of(variety_id, grade_id).grams - reserved_grams(variety_id, grade_id,
                                                                   excluding_order=excluding_order)


def set_order_stock(actor: User, order, *, grade_id: Any, quantity: Any) -> OrderStockLine | None:
    """Fill part of an order from the warehouse: ``quantity`` of a grade of the order's variety
    (at least its minimum grade). Setting a grade again replaces its quantity; 0 takes it off.
    The order moves to collecting.

    :raises InsufficientStock: more than is held and not already picked for other orders.
    """
    require_role(actor, *STAFF)
    lock_row(order)
    if order.status not in FILLABLE:
        raise Conflict(_l("Stock can be picked only for an order being filled (status: %(status)s)."),
                       status=order.status.value)
    if db.session.scalar(select(Shipment.id).where(Shipment.order_id == order.id).limit(1)) is not None:
        raise Conflict(_l("The warehouse's part of an order goes on its first truck, which has left; it can no "
                          "longer change."))
    errors = FieldErrors()
    grade = db.session.get(Grade, int(grade_id)) if str(grade_id or "").isdigit() else None
    if grade is None or grade.table.product_id != order.variety.product_id or grade.rank > order.min_grade.rank:
        errors.add("grade_id", _l("Choose a grade of the order's variety, at least its minimum grade."))
    grams = _quantity(quantity, "quantity", errors, zero=True)
    errors.raise_if_any()
    line = db.session.scalar(select(OrderStockLine).where(OrderStockLine.order_id == order.id,
                                                          OrderStockLine.grade_id == grade.id))
    before = {"grade_id": grade.id, "kg": str(line.quantity_kg) if line else "0"}
    if grams == 0:
        if line is not None:
            db.session.delete(line)
            db.session.flush()
        audit.record(actor, "order.stock", order, before=before, after={"grade_id": grade.id, "kg": "0"})
        return None
    _lock_item(order.variety_id, grade.id)
    free = available_grams(order.variety_id, grade.id, excluding_order=order.id)
    if grams > free:
        _refuse_short(order.variety_id, grade.id, max(free, 0), grams)
    if line is None:
        line = OrderStockLine(order_id=order.id, grade_id=grade.id, created_by_id=actor.id)
        db.session.add(line)
    line.quantity_kg = Weight.from_grams(grams).kg
    if ORDER.can(order, "fill_from_stock"):
        ORDER.apply(actor, order, "fill_from_stock")
    db.session.flush()
    audit.record(actor, "order.stock", order, before=before, after={"grade_id": grade.id, "kg": str(line.quantity_kg)})
    return line


def issue_for_order(settlement: Settlement) -> list[StockMovement]:
    """The stock lines of a settled order issued at cost (its settlement is being posted)."""
    order = settlement.order
    if not any(truck.stock_kg for truck in settlement.shipments):
        return []  # the warehouse's part went on a truck another settlement of the order sells
    what = f"销售出库 {order.number} {settlement.buyer.name}"
    return [_issue(StockMovementKind.SALE_ISSUE, order.variety_id, line.grade_id, settlement.settle_on,
                   Weight(line.quantity_kg).grams, what, settlement_id=settlement.id)
            for line in stock_lines(order.id)]


def reverse_settlement(settlement: Settlement, day: date, number: str) -> list[StockMovement]:
    """A settlement reversed (冲销): each receipt it brought in taken out, each issue put back, at the
    very value it moved (what its red vouchers move on 1405).

    :raises InsufficientStock: a batch's stock was issued or counted since, so it cannot leave at its
        receipt value (reverse what took it first, or correct by a count).
    """
    movements = []
    for moved in settlement_movements(settlement):
        if moved.kind not in (StockMovementKind.RECEIPT, StockMovementKind.SALE_ISSUE):
            continue
        grams, fen = Weight(moved.quantity_kg).grams, Money(moved.value).fen
        _lock_item(moved.variety_id, moved.grade_id)
        balance = balance_of(moved.variety_id, moved.grade_id)
        if moved.kind is StockMovementKind.SALE_ISSUE:
            kind, after = StockMovementKind.ISSUE_RETURNED, costing.receive(balance, grams, fen)
            what = f"冲销退回库存 {number} {settlement.number}"
        else:
            try:
                after = costing.withdraw(balance, grams, fen)
            except costing.StockError:
                after = None
            if after is None:
                raise InsufficientStock(
                    _l("%(item)s received by %(settlement)s has been issued or counted since; its receipt "
                       "cannot be taken back out of stock at its value."),
                    item=_item_name(moved.variety_id, moved.grade_id), settlement=settlement.number,
                    rule="reversal_stock_moved_since")
            kind, what = StockMovementKind.RECEIPT_REVERSED, f"冲销入库 {number} {settlement.number}"
        movements.append(_write(kind, moved.variety_id, moved.grade_id, day, grams, fen, after, what,
                                settlement_id=settlement.id))
    return movements


def settlement_movements(settlement: Settlement) -> list[StockMovement]:
    """What a posted settlement moved in or out of stock."""
    return list(db.session.scalars(select(StockMovement).where(StockMovement.settlement_id == settlement.id)
                                   .order_by(StockMovement.id)))


def issued_cost(settlement_id: int) -> int:
    """Fen of stock a settlement issued (what its sale voucher moves from 1405 to 5401)."""
    return sum(Money(value).fen for value in db.session.scalars(select(StockMovement.value).where(
        StockMovement.settlement_id == settlement_id, StockMovement.kind == StockMovementKind.SALE_ISSUE)))
