"""Adjustments (调整单): a posted sale's amounts corrected as documents, through review.

- **销售折让/价格调整** with the buyer after receipt: a reason, an amount (or a price per kilogram
  accepted), the 红字发票 number when the buyer's VAT invoice was reissued. Posting it writes
  Dr 5001 主营业务收入 (its amount less VAT) + Dr 22210102 销项税额 (its VAT) / Cr 1122 应收账款 (the
  buyer), and the buyer owes that much less on the settlement (statement, ageing, receipts).
- **价格更正** of a household's price for one delivered grade: the new price; the difference is a red
  (downwards) or supplementary (upwards) 农产品收购发票 numbered in the purchase-invoice series when
  posted. Upwards: Dr 5401 主营业务成本 + Dr 22210101 进项税额 / Cr 2202 应付账款 (the household);
  downwards the mirror. The household is owed that much more or less (statement, payouts).

Neither changes the posted settlement: each is kept beside it (``buyer_adjusted``, ``adjusted``).
Prepared by an accountant or a coordinator, reviewed and posted at once by an accountant who did
not prepare it (审核记账), or returned with a reason. Every adjustment carries an idempotency key.
A contract batch (the company's own stock) is not corrected this way: its cost is in the stock.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from models import (Adjustment, AdjustmentKind, AdjustmentStatus, PartyType, PurchaseInvoice, RoleName, Settlement,
                    SettlementHousehold, SettlementItem, SettlementKind, User, VoucherSource,
                    VoucherStatus, db)

from .. import audit, reviewing
from ..auth.permissions import require_role
from ..clock import local_today
from ..errors import Conflict, FieldErrors, NotFound, ValidationFailed
from ..idempotency import body_hash, checked_key, insert_once, replay
from ..ledger import services as ledger
from ..ledger.services import INPUT_VAT, OUTPUT_VAT, LineInput
from ..locking import lock_row
from ..numbering import next_number
from ..settlements import services as settlements
from ..settlements.states import IN_BOOKS
from ..units import Money, UnitError, parse_money
from . import amounts

#: who prepares an adjustment: the accountants, and the coordinators who agreed it with the buyer
#: or found the wrong price
PREPARERS = (RoleName.ACCOUNTANT, RoleName.COORDINATOR)
#: who reviews and posts it (审核记账)
REVIEWERS = (RoleName.ACCOUNTANT,)
READERS = (RoleName.ACCOUNTANT, RoleName.COORDINATOR, RoleName.CASHIER, RoleName.CHIEF_ACCOUNTANT, RoleName.ADMIN)
REASON_LENGTH = reviewing.REASON_LENGTH
#: beyond this (元, or 元/公斤) a figure is a typing mistake
MAX_FIGURE = Decimal(100_000_000)
REVENUE, COST, RECEIVABLE, PAYABLE = "5001", "5401", "1122", "2202"
LOADS = (selectinload(Adjustment.settlement), selectinload(Adjustment.buyer), selectinload(Adjustment.household),
         selectinload(Adjustment.item).selectinload(SettlementItem.grade), selectinload(Adjustment.voucher),
         selectinload(Adjustment.prepared_by), selectinload(Adjustment.reviewed_by))


# --- reading -------------------------------------------------------------------------------------

def listing(actor: User, *, settlement_id: int | None = None, status: Any = None) -> Select:
    require_role(actor, *READERS)
    statement = select(Adjustment).options(*LOADS).order_by(Adjustment.id.desc())
    if settlement_id is not None:
        statement = statement.where(Adjustment.settlement_id == settlement_id)
    if status:
        statement = statement.where(Adjustment.status == AdjustmentStatus(status))
    return statement


def get(actor: User, adjustment_id: int) -> Adjustment:
    require_role(actor, *READERS)
    adjustment = db.session.get(Adjustment, adjustment_id)
    if adjustment is None:
        raise NotFound(_l("This adjustment does not exist."))
    return adjustment


def waiting_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Adjustment)
                             .where(Adjustment.status == AdjustmentStatus.SUBMITTED)) or 0


def item_prices(items: list[SettlementItem]) -> dict[int, tuple[int, Decimal]]:
    """(fen, 元/公斤) each grade line stands at now: as settled, or as last corrected (one query)."""
    standing = {item.id: (Money(item.amount).fen, item.price) for item in items}
    for correction in db.session.scalars(select(Adjustment).where(
            Adjustment.item_id.in_(list(standing)), Adjustment.status == AdjustmentStatus.POSTED)
            .order_by(Adjustment.id)):
        fen, _price = standing[correction.item_id]
        standing[correction.item_id] = (fen + Money(correction.amount).fen, correction.new_price)
    return standing


def item_price(item: SettlementItem) -> tuple[int, Decimal]:
    return item_prices([item])[item.id]


# --- preparing -----------------------------------------------------------------------------------

def _key(key: str | None) -> str:
    return checked_key(key, _l("Each adjustment needs an idempotency key of at most 128 characters."))


def _replay(key: str, digest: str) -> Adjustment | None:
    return replay(Adjustment, key, digest)


def _sale(settlement: Settlement) -> Settlement:
    if settlement.kind is not SettlementKind.ORDER or settlement.status not in IN_BOOKS:
        raise Conflict(_l("Only a posted supermarket-order settlement is adjusted; a contract batch's cost is in "
                          "the stock, and a settlement not yet posted is returned to draft and computed again."),
                       rule="adjustment_needs_posted_sale")
    return settlement


def _common(errors: FieldErrors, settlement: Settlement, reason: Any, adjusted_on: Any) -> tuple[str, date]:
    text = str(reason or "").strip()
    if not text:
        errors.add("reason", _l("Say why the amount is adjusted."))
    elif len(text) > REASON_LENGTH:
        errors.add("reason", _l("Keep the reason to 2000 characters."))
    day = local_today()
    if isinstance(adjusted_on, date):
        day = adjusted_on
    elif adjusted_on not in (None, ""):
        try:
            day = date.fromisoformat(str(adjusted_on).strip())
        except ValueError:
            errors.add("adjusted_on", _l("Enter a date as YYYY-MM-DD."))
    if day > local_today():
        errors.add("adjusted_on", _l("The date of an adjustment cannot be in the future."))
    elif day < settlement.settle_on:
        errors.add("adjusted_on", _l("An adjustment cannot be dated before its settlement (%(day)s).",
                                     day=settlement.settle_on.isoformat()))
    return text, day


def _money_field(errors: FieldErrors, field: str, value: Any, *, what: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        money = parse_money(value) if isinstance(value, str) else Money(value)
    except (UnitError, ValueError, TypeError):
        errors.add(field, what)
        return None
    if money.fen <= 0:
        errors.add(field, _l("Enter an amount above zero."))
        return None
    if money.yuan > MAX_FIGURE:
        errors.add(field, _l("That amount is too large."))
        return None
    return money.yuan


def _waiting_allowances(settlement: Settlement) -> int:
    return -Money(Decimal(db.session.scalar(select(func.coalesce(func.sum(Adjustment.amount), 0)).where(
        Adjustment.settlement_id == settlement.id, Adjustment.kind == AdjustmentKind.SALES_ALLOWANCE,
        Adjustment.status == AdjustmentStatus.SUBMITTED)))).fen


def _refuse_allowance_beyond(settlement: Settlement, allowance_fen: int, *, waiting_fen: int) -> None:
    left = Money(settlement.buyer_outstanding).fen - waiting_fen
    if allowance_fen > left:
        raise ValidationFailed(
            _l("%(buyer)s still owes ¥%(left)s on %(number)s (allowances awaiting review counted); an allowance "
               "cannot be more. What was already received is refunded, not allowed."),
            field="amount", rule="allowance_exceeds_outstanding", buyer=settlement.buyer.name,
            left=f"{Money.from_fen(max(left, 0)).yuan:,.2f}", number=settlement.number)


def prepare_allowance(actor: User, settlement: Settlement, *, reason: Any, amount: Any = None, per_kg: Any = None,
                      adjusted_on: Any = None, invoice_number: Any = "", idempotency_key: str) -> Adjustment:
    """销售折让/价格调整 agreed with the buyer after receipt, for review: ``amount`` (元, tax included) or
    ``per_kg`` (元 off each kilogram accepted), never both.

    :raises ValidationFailed: no reason, a bad amount or date, both or neither of amount and per_kg,
        more than the buyer still owes on the settlement (nothing is written).
    :raises Conflict: not a posted supermarket-order settlement.
    :raises IdempotencyConflict: the key was used for another adjustment.
    """
    require_role(actor, *PREPARERS)
    key = _key(idempotency_key)
    _sale(settlement)
    errors = FieldErrors()
    text, day = _common(errors, settlement, reason, adjusted_on)
    given = _money_field(errors, "amount", amount, what=_l("Enter an amount in yuan, e.g. 100.00."))
    rate = _money_field(errors, "per_kg", per_kg, what=_l("Enter a price per kilogram, e.g. 0.20."))
    if (amount in (None, "")) == (per_kg in (None, "")):
        errors.add("amount", _l("Give the allowance as an amount or as a price per kilogram, one of the two."))
    number_text = " ".join(str(invoice_number or "").split())
    if len(number_text) > 32:
        errors.add("invoice_number", _l("Keep the invoice number to 32 characters."))
    errors.raise_if_any()
    allowance_fen = Money(given).fen if given is not None else amounts.allowance_for_weight(
        rate, int(Decimal(settlement.accepted_kg) * 1000))
    if allowance_fen <= 0:
        raise ValidationFailed(_l("Enter an amount above zero."), field="per_kg")
    body = {"kind": "sales_allowance", "settlement": settlement.id, "amount": allowance_fen,
            "per_kg": str(rate) if rate is not None else None, "reason": text, "adjusted_on": day.isoformat(),
            "invoice_number": number_text}
    digest = body_hash(body)
    existing = _replay(key, digest)
    if existing is not None:
        return existing
    lock_row(settlement)
    _refuse_allowance_beyond(settlement, allowance_fen, waiting_fen=_waiting_allowances(settlement))
    change = amounts.allowance(allowance_fen, settlement.sale_vat_rate_pct if settlement.output_vat > 0 else None)
    adjustment = Adjustment(kind=AdjustmentKind.SALES_ALLOWANCE, settlement_id=settlement.id,
                            buyer_id=settlement.buyer_id, adjusted_on=day, reason=text, per_kg=rate,
                            invoice_number=number_text, **_figures(change))
    return _save(actor, adjustment, key, digest)


def prepare_correction(actor: User, settlement: Settlement, *, item_id: Any, new_price: Any, reason: Any,
                       adjusted_on: Any = None, idempotency_key: str) -> Adjustment:
    """价格更正 of one household's grade line (its slips at one price) to ``new_price`` 元/公斤, for review.

    :raises ValidationFailed: no reason, a bad price or date, the same price, a line not of this
        settlement, a correction leaving the household owed less than it was paid (nothing written).
    :raises Conflict: not a posted supermarket-order settlement; a correction of the line waits already.
    :raises IdempotencyConflict: the key was used for another adjustment.
    """
    require_role(actor, *PREPARERS)
    key = _key(idempotency_key)
    _sale(settlement)
    errors = FieldErrors()
    text, day = _common(errors, settlement, reason, adjusted_on)
    price = _money_field(errors, "new_price", new_price, what=_l("Enter a price per kilogram, e.g. 7.60."))
    if new_price in (None, ""):
        errors.add("new_price", _l("Enter the corrected price per kilogram."))
    item = None
    try:
        item = db.session.get(SettlementItem, int(item_id))
    except (TypeError, ValueError):
        pass
    if item is None or item.line.settlement_id != settlement.id:
        errors.add("item_id", _l("Choose a delivered grade line of this settlement."))
    errors.raise_if_any()
    body = {"kind": "price_correction", "settlement": settlement.id, "item": item.id, "new_price": str(price),
            "reason": text, "adjusted_on": day.isoformat()}
    digest = body_hash(body)
    existing = _replay(key, digest)
    if existing is not None:
        return existing
    line = lock_row(item.line)
    waiting = db.session.scalar(select(Adjustment.number).where(Adjustment.item_id == item.id,
                                                                Adjustment.status == AdjustmentStatus.SUBMITTED))
    if waiting:
        raise Conflict(_l("Correction %(number)s of this line waits for review; review or return it first."),
                       number=waiting)
    current_fen, current_price = item_price(item)
    change = amounts.correction(current_fen, int(Decimal(item.payable_kg) * 1000), price, settlement.vat_rate_pct)
    if change.amount_fen == 0:
        raise ValidationFailed(_l("At %(price)s 元/公斤 the line's amount does not change."), field="new_price",
                               price=f"{price:.2f}")
    _refuse_below_paid(line, change.amount_fen)
    adjustment = Adjustment(kind=AdjustmentKind.PRICE_CORRECTION, settlement_id=settlement.id,
                            household_id=line.household_id, line_id=line.id, item_id=item.id, adjusted_on=day,
                            reason=text, old_price=current_price, new_price=price, **_figures(change))
    return _save(actor, adjustment, key, digest)


def _refuse_below_paid(line: SettlementHousehold, difference_fen: int) -> None:
    after = Money(line.payable).fen + difference_fen
    if after < Money(line.paid).fen:
        raise ValidationFailed(
            _l("%(name)s was already paid ¥%(paid)s on this settlement; corrected, the line would come to "
               "¥%(after)s. Correct no further than what was paid."),
            field="new_price", rule="correction_below_paid", name=line.household.head_name,
            paid=f"{line.paid:,.2f}", after=f"{Money.from_fen(after).yuan:,.2f}")


def _figures(change: amounts.Change) -> dict[str, Decimal]:
    return {"amount": Money.from_fen(change.amount_fen).yuan, "vat": Money.from_fen(change.vat_fen).yuan,
            "excl_vat": Money.from_fen(change.excl_vat_fen).yuan}


def _save(actor: User, adjustment: Adjustment, key: str, digest: str) -> Adjustment:
    adjustment.number = next_number(Adjustment.number, f"TZ{adjustment.adjusted_on.year}-")
    adjustment.idempotency_key, adjustment.body_hash, adjustment.prepared_by_id = key, digest, actor.id
    # another request may take the key (or prepare a correction of the same line) meanwhile
    saved = insert_once(adjustment, taken=Conflict(
        _l("Another correction of this line was prepared meanwhile; review or return it first.")))
    if saved is not adjustment:
        return saved
    audit.record(actor, "adjustment.prepare", adjustment, after=_record(adjustment))
    return adjustment


def _record(adjustment: Adjustment) -> dict[str, Any]:
    return audit.snapshot(adjustment, ("number", "kind", "status", "settlement_id", "buyer_id", "household_id",
                                       "item_id", "adjusted_on", "reason", "per_kg", "old_price", "new_price",
                                       "amount", "vat", "excl_vat", "invoice_number"))


# --- review --------------------------------------------------------------------------------------

def voucher_lines(adjustment: Adjustment) -> list[LineInput]:
    """The voucher an adjustment writes (see the module's docstring)."""
    amount, vat, rest = (abs(adjustment.amount), abs(adjustment.vat), abs(adjustment.excl_vat))
    if adjustment.kind is AdjustmentKind.SALES_ALLOWANCE:
        return [LineInput(REVENUE, debit=rest, memo="销售折让"),
                *([LineInput(OUTPUT_VAT, debit=vat, memo="销售折让冲减销项税额")] if vat > 0 else []),
                LineInput(RECEIVABLE, credit=amount, party_type=PartyType.BUYER, party_id=adjustment.buyer_id,
                          memo=adjustment.invoice_number)]
    party = {"party_type": PartyType.HOUSEHOLD, "party_id": adjustment.household_id,
             "memo": adjustment.household.head_name}
    if adjustment.amount > 0:
        return [LineInput(COST, debit=rest, memo="收购价格更正"),
                *([LineInput(INPUT_VAT, debit=vat, memo="补开收购发票进项税额")] if vat > 0 else []),
                LineInput(PAYABLE, credit=amount, **party)]
    return [LineInput(PAYABLE, debit=amount, **party),
            LineInput(COST, credit=rest, memo="收购价格更正"),
            *([LineInput(INPUT_VAT, credit=vat, memo="红字收购发票冲减进项税额")] if vat > 0 else [])]


def _summary(adjustment: Adjustment) -> str:
    settlement = adjustment.settlement
    what = settlement.order.number if settlement.order else settlement.number
    if adjustment.kind is AdjustmentKind.SALES_ALLOWANCE:
        text = f"{what}销售折让给{settlement.buyer.name}（{adjustment.number}）：{adjustment.reason}"
    else:
        text = (f"{what}{adjustment.household.head_name}{adjustment.item.grade.name}收购价格更正"
                f"{adjustment.old_price:.2f}→{adjustment.new_price:.2f}元/公斤（{adjustment.number}）：{adjustment.reason}")
    return text[:255]


REVIEW = reviewing.Review(
    reviewers=REVIEWERS, waiting=AdjustmentStatus.SUBMITTED, returned=AdjustmentStatus.RETURNED,
    reviewed=_l("Adjustment %(number)s was already reviewed."),
    self_review=_l("The person who prepared an adjustment cannot review it."), self_review_rule="adjustment_self_review",
    say_why=_l("Say why the adjustment is returned."), returned_action="adjustment.return")


def approve(actor: User, adjustment: Adjustment) -> Adjustment:
    """审核记账: an accountant other than the preparer approves and posts it at once: its voucher, what the
    party owes or is owed, the correction's purchase invoice number. Its rules are checked again."""
    reviewing.check(REVIEW, actor, adjustment)
    settlement = lock_row(adjustment.settlement)
    _sale(settlement)
    if adjustment.kind is AdjustmentKind.SALES_ALLOWANCE:
        _refuse_allowance_beyond(settlement, -Money(adjustment.amount).fen,
                                 waiting_fen=_waiting_allowances(settlement) + Money(adjustment.amount).fen)
        settlement.buyer_adjusted = settlement.buyer_adjusted + adjustment.amount
    else:
        line = lock_row(adjustment.line)
        _refuse_below_paid(line, Money(adjustment.amount).fen)
        adjustment.invoice_number = next_number(PurchaseInvoice.number, f"SG{adjustment.adjusted_on.year}-")
        line.adjusted = line.adjusted + adjustment.amount
    adjustment.voucher = ledger.record_reviewed(
        preparer=adjustment.prepared_by, approver=actor, poster=actor, voucher_date=adjustment.adjusted_on,
        summary=_summary(adjustment), lines=voucher_lines(adjustment),
        idempotency_key=f"adjustment:{adjustment.id}", source=VoucherSource.ADJUSTMENT, source_id=adjustment.id,
        attachments=1)
    reviewing.mark_reviewed(adjustment, actor, AdjustmentStatus.POSTED)
    db.session.flush()
    settlements.mark_paid_if_done(actor, settlement)
    audit.record(actor, "adjustment.post", adjustment, after=_record(adjustment))
    return adjustment


def return_adjustment(actor: User, adjustment: Adjustment, reason: Any) -> Adjustment:
    """退回: not booked; the preparer is told why and prepares a new one if it still stands."""
    return reviewing.give_back(REVIEW, actor, adjustment, reason)


# --- verification --------------------------------------------------------------------------------

def verify() -> list[str]:
    """Each posted adjustment has its voucher, posted, saying what it says; none other has one; each
    settlement's ``buyer_adjusted`` and each line's ``adjusted`` are the sums of what was posted."""
    problems = []
    for adjustment in db.session.scalars(select(Adjustment).options(*LOADS).order_by(Adjustment.id)):
        name = f"adjustment {adjustment.number}"
        voucher = adjustment.voucher
        if adjustment.status is AdjustmentStatus.POSTED:
            if voucher is None or voucher.status is not VoucherStatus.POSTED:
                problems.append(f"{name}: posted, yet its voucher is not in the books")
                continue
            expected = sorted((l.account_code, PartyType(l.party_type).value, l.party_id, Money(l.debit or 0).fen,
                               Money(l.credit or 0).fen) for l in voucher_lines(adjustment))
            actual = sorted((l.account.code, PartyType(l.party_type).value, l.party_id, Money(l.debit).fen,
                             Money(l.credit).fen) for l in voucher.lines)
            if expected != actual:
                problems.append(f"{name}: its voucher {voucher.id} differs from it in amount, party or account")
        elif voucher is not None:
            problems.append(f"{name}: not posted, yet it has a voucher")
    posted = (Adjustment.status == AdjustmentStatus.POSTED)
    by_settlement = dict(db.session.execute(select(Adjustment.settlement_id, func.sum(Adjustment.amount)).where(
        posted, Adjustment.kind == AdjustmentKind.SALES_ALLOWANCE).group_by(Adjustment.settlement_id)).all())
    for settlement_id, number, adjusted in db.session.execute(select(
            Settlement.id, Settlement.number, Settlement.buyer_adjusted)):
        if Money(adjusted).fen != Money(Decimal(by_settlement.get(settlement_id, 0))).fen:
            problems.append(f"settlement {number}: its allowances differ from the adjustments posted")
    by_line = dict(db.session.execute(select(Adjustment.line_id, func.sum(Adjustment.amount)).where(
        posted, Adjustment.kind == AdjustmentKind.PRICE_CORRECTION).group_by(Adjustment.line_id)).all())
    for line_id, adjusted in db.session.execute(select(SettlementHousehold.id, SettlementHousehold.adjusted)):
        if Money(adjusted).fen != Money(Decimal(by_line.get(line_id, 0))).fen:
            problems.append(f"settlement line {line_id}: its corrections differ from the adjustments posted")
    return problems
