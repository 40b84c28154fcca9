"""The stock ledger (数量金额式明细账) read item by item, and its proof against 1405 (``verify``)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from models import (Grade, Period, Settlement, SettlementKind, SettlementStatus, StockCount, StockCountStatus,
                    StockMovement, StockMovementKind, User, Variety, Voucher, VoucherLine, VoucherStatus, db)

from ..auth.permissions import require_role
from ..units import Money, Weight
from . import costing
from .common import READERS, STOCK
from .counts import _kind
from .movements import stock_lines


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
