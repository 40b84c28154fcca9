"""Stock (库存商品) at moving weighted average cost: receipts, issues, counts (盘点), the stock ledger.

Kept in one module (about 700 lines) for now: receipts, issues, returns and counts all move an item
under its lock at its moving-average balance; it would split as ``movements``, ``counts`` and the
reading of the stock ledger with its ``verify``.

- A posted **contract batch** settlement enters its deliveries as receipts, per variety and grade:
  their grams, and the batch's cost (the purchase less its input VAT, what 1405 is debited) split
  over the items by what the slips paid for each (largest remainder, ties to the smaller item).
- An **order filled from the warehouse** in part or in full carries stock lines (kilograms of a
  grade of the order's variety); posting the order's settlement issues them at cost, and the sale
  voucher of that settlement carries 借5401 / 贷1405 for it.
- A **count** (盘点) records what was found against the books with the reason for each difference;
  an accountant other than its preparer posts it: 盘盈 借1405 / 贷5301 营业外收入 (valued at the day's
  market quote, else at the item's own cost), normal shrink
  借5401 / 贷1405, abnormal loss 借5711 / 贷1405 + 贷22210103 进项税额转出 (``costing``).

Every movement of an item is taken under that item's lock and refused, with nothing written,
when it would take the quantity or the value below zero.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Iterable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from models import (BuyerOrder, Grade, LossKind, MarketQuote, OrderStatus, OrderStockLine, Period, RoleName, Settlement, SettlementKind,
                    SettlementStatus, StockCount, StockCountLine, StockCountStatus, StockMovement, StockMovementKind,
                    Shipment, User, Variety, Voucher, VoucherLine, VoucherSource, VoucherStatus, db,
                    settlement_shipments, utcnow)

from .. import audit
from ..auth.permissions import require_role
from ..clock import local_today
from ..errors import Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from ..ledger import services as ledger
from ..ledger.services import INPUT_VAT_OUT, LineInput
from ..locking import lock_row
from ..numbering import lock_scope, next_number
from ..orders.states import ORDER
from ..units import Money, Unit, UnitError, Weight, format_number, parse_quantity, split_largest_remainder
from . import costing

READERS = (RoleName.ACCOUNTANT, RoleName.COORDINATOR, RoleName.ADMIN)
#: who records what was counted, and who picks stock for an order
STAFF = (RoleName.ACCOUNTANT, RoleName.COORDINATOR)
ACCOUNTANTS = (RoleName.ACCOUNTANT,)

STOCK = "1405"
COST_OF_SALES = "5401"
OTHER_INCOME = "5301"    # 营业外收入: 盘盈 under 小企业会计准则
OTHER_EXPENSE = "5711"   # 营业外支出: abnormal loss

#: an order can take stock while it is being filled
FILLABLE = (OrderStatus.OPEN, OrderStatus.ALLOCATED, OrderStatus.COLLECTING)

SUMMARIES = {
    StockMovementKind.RECEIPT: "合同收购入库",
    StockMovementKind.SALE_ISSUE: "销售出库",
    StockMovementKind.COUNT_SURPLUS: "盘盈",
    StockMovementKind.COUNT_LOSS_NORMAL: "盘亏（合理损耗）",
    StockMovementKind.COUNT_LOSS_ABNORMAL: "盘亏（非正常损失）",
    StockMovementKind.RECEIPT_REVERSED: "冲销入库",
    StockMovementKind.ISSUE_RETURNED: "冲销退回库存",
}


class InsufficientStock(Conflict):
    code = "insufficient_stock"


def deduction_rate() -> Decimal:
    """The 农产品 calculated deduction rate the stock's input VAT was deducted at (9 %)."""
    return Decimal(str(current_app.config.get("PURCHASE_VAT_RATE_PCT", "9"))) / 100


# --- an item's balance -----------------------------------------------------------------------

def _lock_item(variety_id: int, grade_id: int) -> None:
    lock_scope(f"stock:{variety_id}:{grade_id}")


def balance_of(variety_id: int, grade_id: int) -> costing.Balance:
    last = db.session.scalar(select(StockMovement).where(
        StockMovement.variety_id == variety_id, StockMovement.grade_id == grade_id)
        .order_by(StockMovement.id.desc()).limit(1))
    if last is None:
        return costing.Balance()
    return costing.Balance(Weight(last.balance_kg).grams, Money(last.balance_value).fen)


def _last_receipt(variety_id: int, grade_id: int) -> costing.Balance | None:
    last = db.session.scalar(select(StockMovement).where(
        StockMovement.variety_id == variety_id, StockMovement.grade_id == grade_id,
        StockMovement.kind == StockMovementKind.RECEIPT).order_by(StockMovement.id.desc()).limit(1))
    return None if last is None else costing.Balance(Weight(last.quantity_kg).grams, Money(last.value).fen)


def _item_name(variety_id: int, grade_id: int) -> str:
    variety, grade = db.session.get(Variety, variety_id), db.session.get(Grade, grade_id)
    return f"{variety.name if variety else variety_id} {grade.name if grade else grade_id}"


def _write(kind: StockMovementKind, variety_id: int, grade_id: int, day: date, grams: int, fen: int,
           after: costing.Balance, summary: str, *, settlement_id: int | None = None,
           count_line_id: int | None = None, unit_price: Decimal | None = None) -> StockMovement:
    movement = StockMovement(variety_id=variety_id, grade_id=grade_id, kind=kind, moved_on=day,
                             quantity_kg=Weight.from_grams(grams).kg, value=Money.from_fen(fen).yuan,
                             unit_price=unit_price,
                             balance_kg=Weight.from_grams(after.grams).kg, balance_value=Money.from_fen(after.fen).yuan,
                             settlement_id=settlement_id, count_line_id=count_line_id, summary=summary[:255])
    db.session.add(movement)
    db.session.flush()
    return movement


def _refuse_short(variety_id: int, grade_id: int, held_g: int, wanted_g: int) -> None:
    raise InsufficientStock(
        _l("Not enough %(item)s in stock: %(held)s kg held, %(wanted)s kg asked. Stock never goes below zero."),
        item=_item_name(variety_id, grade_id), held=format_number(Weight.from_grams(held_g).kg),
        wanted=format_number(Weight.from_grams(wanted_g).kg))


def _issue(kind: StockMovementKind, variety_id: int, grade_id: int, day: date, grams: int, summary: str,
           **source: Any) -> StockMovement:
    _lock_item(variety_id, grade_id)
    balance = balance_of(variety_id, grade_id)
    try:
        cost, after = costing.issue(balance, grams)
    except costing.StockError:
        _refuse_short(variety_id, grade_id, balance.grams, grams)
    return _write(kind, variety_id, grade_id, day, grams, cost, after, summary, **source)


# --- receipts from contract batches ----------------------------------------------------------

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


def _quantity(value: Any, field: str, errors: FieldErrors, *, zero: bool = False) -> int:
    text = str(value) if value is not None else ""
    try:
        return parse_quantity(text, Unit.KG).weight.grams
    except UnitError as error:
        if zero and error.code == "not_positive" and not text.strip().startswith("-"):
            return 0  # nothing left of the item
        errors.add(field, _l("Enter a quantity, e.g. 400 公斤 or 800 斤.") if not zero
                   else _l("Enter the quantity counted, e.g. 398 公斤 (0 when none is left)."))
        return 0


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


# --- counts (盘点) -----------------------------------------------------------------------------

def _parse_count_lines(lines: Iterable[dict[str, Any]], errors: FieldErrors) -> list[dict[str, Any]]:
    parsed, seen = [], set()
    for number, raw in enumerate(lines, start=1):
        field = f"lines.{number}"
        variety = db.session.get(Variety, int(raw["variety_id"])) if str(raw.get("variety_id") or "").isdigit() else None
        grade = db.session.get(Grade, int(raw["grade_id"])) if str(raw.get("grade_id") or "").isdigit() else None
        if variety is None or grade is None or grade.table.product_id != variety.product_id:
            errors.add(field, _l("Choose a variety and one of its grades."))
            continue
        if (variety.id, grade.id) in seen:
            errors.add(field, _l("Each variety and grade is counted once."))
            continue
        seen.add((variety.id, grade.id))
        counted = _quantity(raw.get("counted"), field, errors, zero=True)
        reason = " ".join(str(raw.get("reason") or "").split())[:500]
        loss_kind = str(raw.get("loss_kind") or "").strip() or None
        parsed.append({"field": field, "variety": variety, "grade": grade, "counted": counted, "reason": reason,
                       "loss_kind": loss_kind})
    return parsed


def prepare_count(actor: User, *, counted_on: Any = None, lines: Iterable[dict[str, Any]] = (),
                  note: str = "") -> StockCount:
    """制单: a count of the warehouse. Each line is an item counted: ``variety_id``, ``grade_id``,
    ``counted`` (a quantity), ``reason``, and for a loss ``loss_kind`` (normal or abnormal). Items
    found as the books say are left out; the book quantity is today's.

    :raises ValidationFailed: a bad line, no difference at all, a difference without its reason,
        a loss without its kind.
    """
    require_role(actor, *STAFF)
    errors = FieldErrors()
    day = _day(counted_on, errors)
    parsed = _parse_count_lines(list(lines), errors)
    count = StockCount(number=next_number(StockCount.number, f"PD{day.year}-"), counted_on=day,
                       status=StockCountStatus.PREPARED, note=(note or "").strip()[:1000], prepared_by_id=actor.id)
    for line in parsed:
        book = balance_of(line["variety"].id, line["grade"].id).grams
        if line["counted"] == book:
            continue
        if not line["reason"]:
            errors.add(line["field"], _l("Say why the count differs from the books."))
        kind = None
        if line["counted"] < book:
            if line["loss_kind"] not in ("normal", "abnormal"):
                errors.add(line["field"], _l("Say whether the loss is normal shrink or an abnormal loss."))
            else:
                kind = LossKind(line["loss_kind"])
        count.lines.append(StockCountLine(variety_id=line["variety"].id, grade_id=line["grade"].id,
                                          book_kg=Weight.from_grams(book).kg,
                                          counted_kg=Weight.from_grams(line["counted"]).kg, loss_kind=kind,
                                          reason=line["reason"]))
    errors.raise_if_any()
    if not count.lines:
        raise ValidationFailed(_l("Everything counted agrees with the books: there is nothing to record."),
                               field="lines")
    db.session.add(count)
    db.session.flush()
    audit.record(actor, "stock_count.prepare", count, after=_count_summary(count))
    return count


def _day(value: Any, errors: FieldErrors) -> date:
    if isinstance(value, date):
        day = value
    elif value in (None, ""):
        day = local_today()
    else:
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            errors.add("counted_on", _l("Enter a date as YYYY-MM-DD."))
            return local_today()
    if day > local_today():
        errors.add("counted_on", _l("The count date cannot be in the future."))
    return day


def _count_summary(count: StockCount) -> dict[str, Any]:
    return {"number": count.number, "counted_on": count.counted_on.isoformat(), "status": count.status.value,
            "lines": [[l.variety_id, l.grade_id, str(l.book_kg), str(l.counted_kg),
                       l.loss_kind.value if l.loss_kind else None, l.reason] for l in count.lines]}


def post_count(actor: User, count: StockCount) -> StockCount:
    """审核 and 记账 by an accountant other than the preparer: the count's movements and its voucher.

    :raises Conflict: posted already, or an item moved since it was counted (count it again).
    :raises InsufficientStock: never in practice (a loss is at most the book quantity).
    """
    require_role(actor, *ACCOUNTANTS)
    lock_row(count)
    if count.prepared_by_id == actor.id:
        raise PermissionDenied(_l("The person who prepared a count cannot post it."))
    if count.status is not StockCountStatus.PREPARED:
        raise Conflict(_l("This count is no longer waiting to be posted."))
    surplus = normal = abnormal = 0
    # items are locked in (variety, grade) order, as batches and sales take them: no deadlock
    for line in sorted(count.lines, key=lambda l: (l.variety_id, l.grade_id)):
        _lock_item(line.variety_id, line.grade_id)
        balance = balance_of(line.variety_id, line.grade_id)
        if balance.grams != Weight(line.book_kg).grams:
            raise Conflict(_l("%(item)s moved since it was counted (the books now hold %(kg)s kg); discard this "
                              "count and count again."), item=_item_name(line.variety_id, line.grade_id),
                           kg=format_number(Weight.from_grams(balance.grams).kg))
        grams = abs(Weight(line.difference_kg).grams)
        summary = f"{SUMMARIES[_kind(line)]} {count.number}：{line.reason}"
        if line.loss_kind is None:
            price = market_price(line.variety_id, line.grade_id, count.counted_on)
            try:
                value, after = costing.surplus(balance, grams, _last_receipt(line.variety_id, line.grade_id),
                                               Money(price).fen if price is not None else None)
            except costing.StockError:
                raise Conflict(_l("%(item)s has no cost to value a surplus at: it was never received and has no "
                                  "market quote."), item=_item_name(line.variety_id, line.grade_id)) from None
            _write(StockMovementKind.COUNT_SURPLUS, line.variety_id, line.grade_id, count.counted_on, grams, value,
                   after, summary, count_line_id=line.id, unit_price=price)
            surplus += value
        else:
            movement = _issue(_kind(line), line.variety_id, line.grade_id, count.counted_on, grams, summary,
                              count_line_id=line.id)
            if line.loss_kind is LossKind.NORMAL:
                normal += Money(movement.value).fen
            else:
                abnormal += Money(movement.value).fen
    lines = count_voucher_lines(surplus, normal, abnormal)
    if lines:
        ledger.record_reviewed(preparer=count.prepared_by, approver=actor, poster=actor,
                               voucher_date=count.counted_on, summary=f"存货盘点 {count.number}", lines=lines,
                               idempotency_key=f"stock-count:{count.id}", source=VoucherSource.STOCK_COUNT,
                               source_id=count.id, attachments=1)
    count.status, count.posted_by_id, count.posted_at = StockCountStatus.POSTED, actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "stock_count.post", count, after=_count_summary(count))
    return count


def market_price(variety_id: int, grade_id: int, day: date) -> Decimal | None:
    """The latest market quote (行情) of the item on or before ``day``, 元/公斤, if any."""
    return db.session.scalar(select(MarketQuote.price).where(
        MarketQuote.variety_id == variety_id, MarketQuote.grade_id == grade_id, MarketQuote.quoted_on <= day)
        .order_by(MarketQuote.quoted_on.desc(), MarketQuote.id.desc()).limit(1))


def _kind(line: StockCountLine) -> StockMovementKind:
    if line.loss_kind is None:
        return StockMovementKind.COUNT_SURPLUS
    return StockMovementKind.COUNT_LOSS_NORMAL if line.loss_kind is LossKind.NORMAL \
        else StockMovementKind.COUNT_LOSS_ABNORMAL


def count_voucher_lines(surplus: int, normal: int, abnormal: int) -> list[LineInput]:
    """The count's voucher, fen in:

    - 盘盈 借1405 库存商品 / 贷5301 营业外收入
    - 合理损耗 借5401 主营业务成本 / 贷1405
    - 非正常损失 借5711 营业外支出 (cost + VAT out) / 贷1405 (cost) + 贷22210103 进项税额转出
    """
    vat_out = costing.input_vat_out(abnormal, deduction_rate()) if abnormal else 0
    yuan = lambda fen: Money.from_fen(fen).yuan  # noqa: E731
    lines = []
    if surplus:
        lines.append(LineInput(STOCK, debit=yuan(surplus), memo="盘盈"))
    if normal:
        lines.append(LineInput(COST_OF_SALES, debit=yuan(normal), memo="合理损耗"))
    if abnormal:
        lines.append(LineInput(OTHER_EXPENSE, debit=yuan(abnormal + vat_out), memo="非正常损失"))
    if surplus:
        lines.append(LineInput(OTHER_INCOME, credit=yuan(surplus), memo="盘盈"))
    if normal + abnormal:
        lines.append(LineInput(STOCK, credit=yuan(normal + abnormal), memo="盘亏"))
    if vat_out:
        lines.append(LineInput(INPUT_VAT_OUT, credit=yuan(vat_out),
                               memo=f"非正常损失进项税额转出 {(deduction_rate() * 100).normalize():f}%"))
    return lines


def count_movements(count: StockCount) -> list[StockMovement]:
    ids = [line.id for line in count.lines]
    return list(db.session.scalars(select(StockMovement).where(StockMovement.count_line_id.in_(ids or [0]))
                                   .order_by(StockMovement.id)))


def count_voucher(count: StockCount) -> Voucher | None:
    return db.session.scalar(select(Voucher).where(Voucher.source == VoucherSource.STOCK_COUNT,
                                                   Voucher.source_id == count.id).order_by(Voucher.id).limit(1))


def discard_count(actor: User, count: StockCount) -> None:
    require_role(actor, *STAFF)
    lock_row(count)
    if count.status is not StockCountStatus.PREPARED:
        raise Conflict(_l("This count is no longer waiting to be posted."))
    count.status, count.posted_by_id, count.posted_at = StockCountStatus.DISCARDED, actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "stock_count.discard", count, after=_count_summary(count))


def get_count(actor: User, count_id: int) -> StockCount:
    require_role(actor, *READERS)
    count = db.session.get(StockCount, count_id)
    if count is None:
        raise NotFound(_l("This count does not exist."))
    return count


def counts(actor: User) -> Select:
    require_role(actor, *READERS)
    return select(StockCount).options(selectinload(StockCount.lines)).order_by(StockCount.id.desc())


# --- the stock ledger (数量金额式明细账) ---------------------------------------------------------

@dataclass(frozen=True)
class LedgerRow:
    moved_on: date | None
    summary: str
    kind: str | None
    in_kg: Decimal | None
    in_value: Decimal | None
    out_kg: Decimal | None
    out_value: Decimal | None
    balance_kg: Decimal
    balance_value: Decimal

    @staticmethod
    def _unit(kg: Decimal | None, value: Decimal | None) -> Decimal | None:
        if not kg:
            return None
        return (value / kg).quantize(Decimal("0.01")) if value is not None else None

    @property
    def in_price(self) -> Decimal | None:
        return self._unit(self.in_kg, self.in_value)

    @property
    def out_price(self) -> Decimal | None:
        return self._unit(self.out_kg, self.out_value)

    @property
    def balance_price(self) -> Decimal | None:
        return self._unit(self.balance_kg, self.balance_value)


@dataclass(frozen=True)
class ItemLedger:
    variety: Variety
    grade: Grade
    rows: list[LedgerRow]

    @property
    def closing(self) -> LedgerRow:
        return self.rows[-1]


def items(actor: User) -> list[tuple[Variety, Grade]]:
    """Every variety and grade that ever moved, in catalogue order."""
    require_role(actor, *READERS)
    pairs = db.session.execute(select(StockMovement.variety_id, StockMovement.grade_id).distinct()).all()
    found = [(db.session.get(Variety, v), db.session.get(Grade, g)) for v, g in pairs]
    return sorted(found, key=lambda pair: (pair[0].product_id, pair[0].id, pair[1].rank))


def ledger_of(actor: User, variety: Variety, grade: Grade, *, start: date | None = None,
              end: date | None = None) -> ItemLedger:
    """One item's 数量金额式明细账 between ``start`` and ``end``: 期初 (the balance before ``start``),
    each movement with its 收入/发出 and 结存, 本期合计, 期末 (in the order they were taken)."""
    require_role(actor, *READERS)
    movements = list(db.session.scalars(select(StockMovement).where(
        StockMovement.variety_id == variety.id, StockMovement.grade_id == grade.id).order_by(StockMovement.id)))
    before = [m for m in movements if start is not None and m.moved_on < start]
    within = [m for m in movements if (start is None or m.moved_on >= start) and (end is None or m.moved_on <= end)]
    opening_g = sum(_signed_grams(m) for m in before)
    opening_f = sum(_signed_fen(m) for m in before)
    rows = [LedgerRow(start, "期初结存", None, None, None, None, None, Weight.from_grams(opening_g).kg,
                      Money.from_fen(opening_f).yuan)]
    held_g, held_f = opening_g, opening_f
    totals = [0, 0, 0, 0]
    for m in within:
        held_g += _signed_grams(m)
        held_f += _signed_fen(m)
        inward = m.kind.inward
        grams, fen = Weight(m.quantity_kg).grams, Money(m.value).fen
        totals[0 if inward else 2] += grams
        totals[1 if inward else 3] += fen
        rows.append(LedgerRow(m.moved_on, m.summary, m.kind.value, m.quantity_kg if inward else None,
                              m.value if inward else None, None if inward else m.quantity_kg,
                              None if inward else m.value, Weight.from_grams(held_g).kg,
                              Money.from_fen(held_f).yuan))
    rows.append(LedgerRow(end, "本期合计", None, Weight.from_grams(totals[0]).kg, Money.from_fen(totals[1]).yuan,
                          Weight.from_grams(totals[2]).kg, Money.from_fen(totals[3]).yuan,
                          Weight.from_grams(held_g).kg, Money.from_fen(held_f).yuan))
    return ItemLedger(variety, grade, rows)


def _signed_grams(movement: StockMovement) -> int:
    grams = Weight(movement.quantity_kg).grams
    return grams if movement.kind.inward else -grams


def _signed_fen(movement: StockMovement) -> int:
    fen = Money(movement.value).fen
    return fen if movement.kind.inward else -fen


def stock_ledger(actor: User, *, start: date | None = None, end: date | None = None) -> list[ItemLedger]:
    return [ledger_of(actor, variety, grade, start=start, end=end) for variety, grade in items(actor)]


# --- verify ----------------------------------------------------------------------------------

def account_balance(code: str, until: Period | None = None) -> int:
    statement = (select(func.coalesce(func.sum(VoucherLine.debit), 0), func.coalesce(func.sum(VoucherLine.credit), 0))
                 .join(Voucher).join(Period).join(VoucherLine.account)
                 .where(Voucher.status == VoucherStatus.POSTED, VoucherLine.account.has(code=code)))
    if until is not None:
        statement = statement.where((Period.year * 100 + Period.month) <= until.year * 100 + until.month)
    debit, credit = db.session.execute(statement).one()
    return Money(Decimal(debit)).fen - Money(Decimal(credit)).fen


def _month_end(period: Period) -> date:
    first_next = date(period.year + period.month // 12, period.month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def verify() -> list[str]:
    """The stock ledger proves itself and 1405; an empty list means all hold.

    Each item's movements replay under the costing rules to the running balances stored; the
    items' values sum to the balance of 1405, now and at the end of every period; each posted
    contract batch entered its cost, each posted settlement of an order filled from stock issued its
    lines, and each posted count moved each line it counted.
    """
    problems: list[str] = []
    movements = list(db.session.scalars(select(StockMovement).order_by(StockMovement.id)))
    per_item: dict[tuple[int, int], list[StockMovement]] = defaultdict(list)
    for movement in movements:
        per_item[(movement.variety_id, movement.grade_id)].append(movement)
    total = 0
    for (variety_id, grade_id), moves in sorted(per_item.items()):
        name = f"stock of variety {variety_id} grade {grade_id}"
        steps = [costing.Step(m.kind.value, Weight(m.quantity_kg).grams, Money(m.value).fen,
                              Money(m.unit_price).fen if m.unit_price is not None else None) for m in moves]
        try:
            balances = costing.replay(steps)
        except costing.StockError as error:
            problems.append(f"{name}: its movements break the costing rules ({error})")
            continue
        for movement, balance in zip(moves, balances):
            if (Weight(movement.balance_kg).grams, Money(movement.balance_value).fen) != (balance.grams, balance.fen):
                problems.append(f"{name}: movement {movement.id}'s balance differs from the movements before it")
                break
        total += balances[-1].fen if balances else 0
    booked = account_balance(STOCK)
    if booked != total:
        problems.append(f"1405 库存商品 is {Money.from_fen(booked).yuan} but the stock ledger holds "
                        f"{Money.from_fen(total).yuan}")
    for period in db.session.scalars(select(Period).order_by(Period.year, Period.month)):
        end = _month_end(period)
        held = sum(_signed_fen(m) for m in movements if m.moved_on <= end)
        if account_balance(STOCK, period) != held:
            problems.append(f"1405 库存商品 at the end of {period} differs from the stock ledger then")
    for settlement in db.session.scalars(select(Settlement).where(Settlement.status == SettlementStatus.REVERSED)):
        mine = [m for m in movements if m.settlement_id == settlement.id]
        out = sorted((m.kind is StockMovementKind.RECEIPT, m.variety_id, m.grade_id, _signed_grams(m), _signed_fen(m))
                     for m in mine if m.kind in (StockMovementKind.RECEIPT, StockMovementKind.SALE_ISSUE))
        back = sorted((m.kind is StockMovementKind.RECEIPT_REVERSED, m.variety_id, m.grade_id, -_signed_grams(m),
                       -_signed_fen(m)) for m in mine if m.kind in (StockMovementKind.RECEIPT_REVERSED,
                                                                     StockMovementKind.ISSUE_RETURNED))
        if out != back or len(mine) != 2 * len(out):
            problems.append(f"settlement {settlement.number}: reversed, yet what it moved in or out of stock "
                            f"was not returned at the same value")
    for settlement in db.session.scalars(select(Settlement).where(
            Settlement.status.in_((SettlementStatus.POSTED, SettlementStatus.PAID)))):
        mine = [m for m in movements if m.settlement_id == settlement.id]
        if settlement.kind is SettlementKind.CONTRACT_BATCH:
            if sum(Money(m.value).fen for m in mine) != Money(settlement.purchase_cost).fen or \
                    any(m.kind is not StockMovementKind.RECEIPT for m in mine):
                problems.append(f"settlement {settlement.number}: its receipts into stock differ from its cost")
        elif settlement.order_id is not None:
            carried = any(truck.stock_kg for truck in settlement.shipments)
            wanted = sorted((line.grade_id, Weight(line.quantity_kg).grams)
                            for line in stock_lines(settlement.order_id)) if carried else []
            issued = sorted((m.grade_id, Weight(m.quantity_kg).grams) for m in mine
                            if m.kind is StockMovementKind.SALE_ISSUE)
            if wanted != issued or len(issued) != len(mine):
                problems.append(f"settlement {settlement.number}: the stock it issued differs from its order's")
    for count in db.session.scalars(select(StockCount).where(StockCount.status == StockCountStatus.POSTED)):
        for line in count.lines:
            moved = [m for m in movements if m.count_line_id == line.id]
            if len(moved) != 1 or moved[0].kind is not _kind(line) or \
                    Weight(moved[0].quantity_kg).grams != abs(Weight(line.difference_kg).grams):
                problems.append(f"stock count {count.number}: its movement of variety {line.variety_id} grade "
                                f"{line.grade_id} differs from what was counted")
    orphans = {m.settlement_id for m in movements if m.settlement_id is not None} - {
        s for s, in db.session.execute(select(Settlement.id).where(
            Settlement.status.in_((SettlementStatus.POSTED, SettlementStatus.PAID, SettlementStatus.REVERSED))))}
    for settlement_id in sorted(orphans):
        problems.append(f"settlement {settlement_id}: not posted, yet it moved stock")
    return problems
