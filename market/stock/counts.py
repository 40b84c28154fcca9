"""Counts (盘点): what was found against the books with the reason for each difference.

An accountant other than its preparer posts it: 盘盈 借1405 / 贷5301 营业外收入 (valued at the day's
market quote, else at the item's own cost), normal shrink 借5401 / 贷1405, abnormal loss
借5711 / 贷1405 + 贷22210103 进项税额转出 (``costing``).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from models import (Grade, LossKind, MarketQuote, StockCount, StockCountLine, StockCountStatus, StockMovement,
                    StockMovementKind, User, Variety, Voucher, VoucherSource, db, utcnow)

from .. import audit
from ..auth.permissions import require_role
from ..clock import local_today
from ..errors import Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from ..ledger import services as ledger
from ..ledger.services import INPUT_VAT_OUT, LineInput
from ..locking import lock_row
from ..numbering import next_number
from ..units import Money, Weight, format_number
from . import costing
from .common import (ACCOUNTANTS, COST_OF_SALES, OTHER_EXPENSE, OTHER_INCOME, READERS, STAFF, STOCK, SUMMARIES,
                     balance_of, deduction_rate, _issue, _item_name, _last_receipt, _lock_item, _quantity, _write)


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
