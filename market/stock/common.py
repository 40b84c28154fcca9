"""What the stock services share: who may read and move stock, the accounts stock is kept on, the
summaries of its movements, and an item's balance — its lock, its last movement, and a movement
written or an issue taken at the moving average, refused with nothing written when it would take
the quantity or the value below zero."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import Grade, OrderStatus, RoleName, StockMovement, StockMovementKind, Variety, db

from ..errors import Conflict, FieldErrors
from ..numbering import lock_scope
from ..units import Money, Unit, UnitError, Weight, format_number, parse_quantity
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
