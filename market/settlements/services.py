"""Settlements: prepared from what was weighed and received, reviewed, posted to the books.

draft → submitted → approved (by an accountant other than the preparer) → posted → paid.
A draft can be recomputed or discarded; a submitted or approved one can be returned to draft
with a reason. Posting writes the settlement's vouchers and purchase invoices in the caller's
transaction, so they are all written or none is. ``paid`` follows when every household is paid.
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

from models import (BuyerOrder, ContractPrepayment, ContractStatus, DepositClosure, Household, InputCredit,
                    OrderStatus, PartyType, Payment, PaymentApplication, PrepaymentKind, PurchaseContract, PurchaseInvoice, Receipt, RoleName, Settlement,
                    SettlementHousehold, SettlementItem, SettlementKind, SettlementStatus, SlipStatus, User,
                    Voucher, VoucherSource, VoucherStatus, WeighSlip, db, settlement_slips, utcnow)

from .. import audit
from ..auth.permissions import require_role
from ..clock import local_today, local_zone
from ..errors import Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from ..fulfilment.services import order_slips
from ..ledger import services as ledger
from ..ledger.services import LineInput
from ..locking import lock_row
from ..numbering import lock_scope, next_number
from ..privacy import mask_id_number
from ..input_credits import services as input_credits
from ..orders.states import ORDER
from ..units import Money, UnitError, Weight, parse_money
from . import splits
from .states import SETTLEMENT

PREPARERS = (RoleName.ACCOUNTANT, RoleName.COORDINATOR)
ACCOUNTANTS = (RoleName.ACCOUNTANT,)
READERS = (RoleName.ACCOUNTANT, RoleName.COORDINATOR, RoleName.ADMIN)
#: the amounts a preparer enters, in 元
ENTERED = ("logistics", "packing", "buyer_deductions")
MAX_AMOUNT = Decimal(100_000_000)
#: statuses whose households' advances count as recovered
COUNTING = (SettlementStatus.DRAFT, SettlementStatus.SUBMITTED, SettlementStatus.APPROVED, SettlementStatus.POSTED,
            SettlementStatus.PAID)
IN_BOOKS = (SettlementStatus.POSTED, SettlementStatus.PAID)


def vat_rate_pct() -> Decimal:
    return Decimal(str(current_app.config.get("PURCHASE_VAT_RATE_PCT", "9")))


# --- input -------------------------------------------------------------------------------------

def _amount(value: Any, errors: FieldErrors, field: str) -> Decimal:
    if value in (None, ""):
        return Decimal(0)
    try:
        money = parse_money(value) if isinstance(value, str) else Money(value)
    except (UnitError, ValueError, TypeError):
        errors.add(field, _l("Enter an amount in yuan, e.g. 500.00."))
        return Decimal(0)
    if money.fen < 0:
        errors.add(field, _l("The amount cannot be negative."))
    elif money.yuan > MAX_AMOUNT:
        errors.add(field, _l("That amount is too large."))
    return money.yuan


def _rate(value: Any, errors: FieldErrors) -> Decimal:
    if value in (None, ""):
        return vat_rate_pct()
    try:
        rate = Decimal(str(value).strip().rstrip("%"))
    except ArithmeticError:
        rate = Decimal(-1)
    if not rate.is_finite() or rate < 0 or rate >= 100 or rate != rate.quantize(Decimal("0.01")):
        errors.add("vat_rate_pct", _l("Enter the VAT rate in percent, e.g. 9."))
        return vat_rate_pct()
    return rate


def _day(value: Any, errors: FieldErrors, field: str) -> date:
    if isinstance(value, date):
        return value
    if value in (None, ""):
        return local_today()
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.add(field, _l("Enter a date as YYYY-MM-DD."))
        return local_today()


@dataclass(frozen=True)
class Entered:
    settle_on: date
    logistics: Decimal
    packing: Decimal
    buyer_deductions: Decimal
    vat_rate_pct: Decimal
    note: str


def _entered(values: dict[str, Any]) -> Entered:
    errors = FieldErrors()
    entered = Entered(settle_on=_day(values.get("settle_on"), errors, "settle_on"),
                      logistics=_amount(values.get("logistics"), errors, "logistics"),
                      packing=_amount(values.get("packing"), errors, "packing"),
                      buyer_deductions=_amount(values.get("buyer_deductions"), errors, "buyer_deductions"),
                      vat_rate_pct=_rate(values.get("vat_rate_pct"), errors),
                      note=(values.get("note") or "").strip())
    if entered.settle_on > local_today():
        errors.add("settle_on", _l("The settlement date cannot be in the future."))
    errors.raise_if_any()
    return entered


# --- what households are owed back ---------------------------------------------------------------

def outstanding_advances(household_id: int, *, excluding: int | None = None,
                         counting: tuple[SettlementStatus, ...] = COUNTING) -> int:
    """Fen paid ahead to a household and not yet recovered by a settlement: its contracts' 预付款,
    and the 定金 of its fulfilled contracts (抵作价款: a deposit is set off against the price once
    the contract is performed; a terminated contract's deposit is closed apart, ``deposits``)."""
    paid = db.session.scalar(
        select(func.coalesce(func.sum(ContractPrepayment.amount), 0)).join(PurchaseContract)
        .where(PurchaseContract.household_id == household_id,
               (ContractPrepayment.kind == PrepaymentKind.ADVANCE)
               | ((ContractPrepayment.kind == PrepaymentKind.DEPOSIT)
                  & (PurchaseContract.status == ContractStatus.FULFILLED))))
    recovered = select(func.coalesce(func.sum(SettlementHousehold.recovered_advances), 0)).join(Settlement).where(
        SettlementHousehold.household_id == household_id, Settlement.status.in_(counting))
    if excluding is not None:
        recovered = recovered.where(Settlement.id != excluding)
    return Money(Decimal(paid)).fen - Money(Decimal(db.session.scalar(recovered))).fen


# --- building ------------------------------------------------------------------------------------

@dataclass
class _Item:
    grade_id: int
    price: Decimal
    grams: int = 0
    delivered_on: date | None = None
    serials: list[str] | None = None


def _group(slips: Iterable[WeighSlip], price_of) -> dict[int, dict[Any, _Item]]:
    """Slip lines per household, then per key (``price_of`` gives the key and the price)."""
    grouped: dict[int, dict[Any, _Item]] = defaultdict(dict)
    for slip in slips:
        day = _local_day(slip)
        for line in slip.lines:
            key, price = price_of(line)
            item = grouped[slip.household_id].setdefault(key, _Item(line.grade_id, price, serials=[]))
            item.grams += Weight(line.net_kg).grams
            item.delivered_on = min(item.delivered_on or day, day)
            if slip.serial not in item.serials:
                item.serials.append(slip.serial)
    return grouped


def _deliveries(grouped: dict[int, dict[Any, _Item]], keys: dict[tuple[int, int], Any],
                settlement_id: int | None) -> tuple[splits.HouseholdDelivery, ...]:
    if grouped:
        # What is still to recover is read under the households' locks (in id order, as payouts
        # take them), so two settlements prepared at once never recover one advance twice.
        db.session.execute(select(Household.id).where(Household.id.in_(sorted(grouped)))
                           .order_by(Household.id).with_for_update(key_share=True))
    deliveries = []
    for household_id, items in sorted(grouped.items()):
        lines = []
        for number, (key, item) in enumerate(sorted(items.items(), key=lambda kv: (kv[1].grade_id, kv[1].price)), 1):
            keys[(household_id, number)] = key
            lines.append(splits.DeliveryLine(grade_id=number, grams=item.grams, price=item.price))
        deliveries.append(splits.HouseholdDelivery(
            household_id=household_id, lines=tuple(lines),
            advances_fen=max(0, outstanding_advances(household_id, excluding=settlement_id)),
            input_credit_fen=max(0, input_credits.outstanding_input_credit(household_id, excluding=settlement_id))))
    return tuple(deliveries)


def _fill(settlement: Settlement, households: tuple[splits.HouseholdResult, ...],
          grouped: dict[int, dict[Any, _Item]], keys: dict[tuple[int, int], Any]) -> None:
    settlement.households.clear()
    db.session.flush()
    for result in households:
        line = SettlementHousehold(
            household_id=result.household_id, field_kg=Weight.from_grams(result.field_g).kg,
            payable_kg=Weight.from_grams(result.payable_g).kg, gross=Money.from_fen(result.gross_fen).yuan,
            input_vat=Money.from_fen(result.input_vat_fen).yuan,
            recovered_advances=Money.from_fen(result.recovered_advances_fen).yuan,
            recovered_input_credit=Money.from_fen(result.recovered_input_credit_fen).yuan,
            net=Money.from_fen(result.net_fen).yuan, carried_over=Money.from_fen(result.carried_over_fen).yuan,
            paid=Decimal(0))
        for part in result.lines:
            item = grouped[result.household_id][keys[(result.household_id, part.grade_id)]]
            line.items.append(SettlementItem(
                grade_id=item.grade_id, delivered_on=item.delivered_on, field_kg=Weight.from_grams(part.field_g).kg,
                payable_kg=Weight.from_grams(part.payable_g).kg, price=part.price,
                amount=Money.from_fen(part.amount_fen).yuan, slip_serials=", ".join(item.serials or [])))
        settlement.households.append(line)


def _order_receipt(order: BuyerOrder) -> Receipt:
    receipt = db.session.scalar(select(Receipt).where(Receipt.order_id == order.id))
    if receipt is None:
        raise Conflict(_l("The supermarket's receipt (验收单) is not recorded yet; settle after it."))
    return receipt


def _compute_order(settlement: Settlement, order: BuyerOrder, entered: Entered) -> None:
    receipt = _order_receipt(order)
    slips = [slip for slip in order_slips(order) if slip.status is SlipStatus.CONFIRMED]
    if not slips:
        raise Conflict(_l("Nothing was weighed for this order."))
    farm_gate = {p.grade_id: p.price for p in order.prices}
    missing = {line.grade_id for slip in slips for line in slip.lines if line.grade_id not in farm_gate}
    if missing:
        raise Conflict(_l("The order has no farm-gate price for a grade that was weighed."))
    grouped = _group(slips, lambda line: (line.grade_id, farm_gate[line.grade_id]))
    keys: dict[tuple[int, int], Any] = {}
    try:
        result = splits.settle_order(splits.OrderSettlementInput(
            accepted_g=Weight(receipt.accepted_kg).grams, delivered_price=order.delivered_price,
            households=_deliveries(grouped, keys, settlement.id), reject_policy=order.reject_policy.value,
            buyer_deductions_fen=Money(entered.buyer_deductions).fen, logistics_fen=Money(entered.logistics).fen,
            packing_fen=Money(entered.packing).fen, vat_rate=entered.vat_rate_pct / 100))
    except splits.SettlementError as error:
        if "deductions exceed" in str(error):
            raise ValidationFailed(_l("The buyer's deductions exceed what the buyer owes."),
                                   field="buyer_deductions") from None
        raise Conflict(_l("The order cannot be settled as recorded: more was accepted than weighed.")) from None
    _fill(settlement, result.households, grouped, keys)
    # Every amount changes together: the database checks that they reconcile on each write.
    with db.session.no_autoflush:
        _set_order_amounts(settlement, order, entered, result, slips)


def _set_order_amounts(settlement: Settlement, order: BuyerOrder, entered: Entered, result: splits.OrderSettlement,
                       slips: list[WeighSlip]) -> None:
    _apply_entered(settlement, entered)
    settlement.order_id, settlement.buyer_id = order.id, order.buyer_id
    settlement.due_on = entered.settle_on + timedelta(days=order.buyer.payment_terms_days)
    settlement.reject_policy = order.reject_policy
    settlement.delivered_price = order.delivered_price
    for name, fen in (("buyer_gross", result.buyer_gross_fen), ("buyer_total", result.buyer_total_fen),
                      ("purchase_total", result.purchase_total_fen), ("input_vat", result.input_vat_fen),
                      ("purchase_cost", result.purchase_cost_fen), ("margin", result.margin_fen)):
        setattr(settlement, name, Money.from_fen(fen).yuan)
    settlement.field_kg = Weight.from_grams(result.field_g).kg
    settlement.accepted_kg = Weight.from_grams(result.accepted_g).kg
    settlement.lost_kg = Weight.from_grams(result.lost_g).kg
    settlement.slips = slips


def _apply_entered(settlement: Settlement, entered: Entered) -> None:
    settlement.settle_on, settlement.vat_rate_pct, settlement.note = entered.settle_on, entered.vat_rate_pct, entered.note
    settlement.logistics, settlement.packing = entered.logistics, entered.packing
    settlement.buyer_deductions = entered.buyer_deductions


def _compute_batch(settlement: Settlement, slips: list[WeighSlip], entered: Entered) -> None:
    grouped = _group(slips, lambda line: ((line.grade_id, line.unit_price), line.unit_price))
    keys: dict[tuple[int, int], Any] = {}
    batch = splits.settle_purchases(_deliveries(grouped, keys, settlement.id), entered.vat_rate_pct / 100)
    _fill(settlement, batch.households, grouped, keys)
    with db.session.no_autoflush:
        _set_batch_amounts(settlement, entered, batch, slips)


def _set_batch_amounts(settlement: Settlement, entered: Entered, batch: splits.PurchaseBatch,
                       slips: list[WeighSlip]) -> None:
    _apply_entered(settlement, entered)
    settlement.logistics = settlement.packing = settlement.buyer_deductions = Decimal(0)
    settlement.buyer_gross = settlement.buyer_total = settlement.margin = Decimal(0)
    # The company buys for its own stock: nothing is sold, so the "margin" is minus the purchase.
    settlement.purchase_total = Money.from_fen(batch.purchase_total_fen).yuan
    settlement.input_vat = Money.from_fen(batch.input_vat_fen).yuan
    settlement.purchase_cost = Money.from_fen(batch.purchase_cost_fen).yuan
    settlement.margin = -settlement.purchase_total
    settlement.field_kg = settlement.accepted_kg = Weight.from_grams(batch.field_g).kg
    settlement.lost_kg = Decimal(0)
    settlement.slips = slips


def _new(actor: User, kind: SettlementKind) -> Settlement:
    settlement = Settlement(number=next_number(Settlement.number, f"JS{local_today().year}-"), kind=kind,
                            status=SettlementStatus.DRAFT, prepared_by_id=actor.id, settle_on=local_today())
    db.session.add(settlement)
    return settlement


def prepare_order_settlement(actor: User, order: BuyerOrder, **values: Any) -> Settlement:
    """制单: the three-way settlement of a received order, as a draft.

    :param values: ``settle_on``, ``logistics``, ``packing``, ``buyer_deductions`` (元),
        ``vat_rate_pct``, ``note``.
    :raises Conflict: no receipt yet, nothing weighed, or the order is already settled.
    :raises ValidationFailed: a bad amount, date or rate.
    """
    require_role(actor, *PREPARERS)
    entered = _entered(values)
    lock_row(order)
    if order.status is OrderStatus.CANCELLED:
        raise Conflict(_l("A cancelled order cannot be settled."))
    if db.session.scalar(select(Settlement.id).where(Settlement.order_id == order.id)) is not None:
        raise Conflict(_l("This order already has a settlement."))
    settlement = _new(actor, SettlementKind.ORDER)
    _compute_order(settlement, order, entered)
    db.session.flush()
    audit.record(actor, "settlement.prepare", settlement, after=_summary(settlement))
    return settlement


def unsettled_contract_slips(household_id: int | None = None) -> Select:
    """Confirmed contract deliveries (not for an order) that no settlement pays for yet."""
    statement = (select(WeighSlip).where(WeighSlip.contract_id.is_not(None), WeighSlip.allocation_id.is_(None),
                                         WeighSlip.status == SlipStatus.CONFIRMED,
                                         ~WeighSlip.id.in_(select(settlement_slips.c.slip_id)))
                 .options(selectinload(WeighSlip.lines), selectinload(WeighSlip.household))
                 .order_by(WeighSlip.weighed_at, WeighSlip.id))
    if household_id is not None:
        statement = statement.where(WeighSlip.household_id == household_id)
    return statement


def prepare_contract_batch(actor: User, *, start: Any = None, end: Any = None, **values: Any) -> Settlement:
    """制单: settle the contract deliveries weighed between ``start`` and ``end`` (inclusive) that
    no settlement pays for yet.

    :raises Conflict: there is nothing to settle in that range.
    """
    require_role(actor, *PREPARERS)
    errors = FieldErrors()
    first = _day(start, errors, "start") if start not in (None, "") else None
    last = _day(end, errors, "end") if end not in (None, "") else None
    if first and last and first > last:
        errors.add("end", _l("The end comes before the start."))
    errors.raise_if_any()
    entered = _entered(values)
    lock_scope("settlement:contract-batch")  # two batches at once never pick the same slips
    slips = [slip for slip in db.session.scalars(unsettled_contract_slips())
             if (first is None or _local_day(slip) >= first) and (last is None or _local_day(slip) <= last)]
    if not slips:
        raise Conflict(_l("There are no contract deliveries to settle in that range."))
    settlement = _new(actor, SettlementKind.CONTRACT_BATCH)
    _compute_batch(settlement, slips, entered)
    db.session.flush()
    audit.record(actor, "settlement.prepare", settlement, after=_summary(settlement))
    return settlement


def _local_day(slip: WeighSlip) -> date:
    return slip.weighed_at.astimezone(local_zone()).date()


def recompute(actor: User, settlement: Settlement, **values: Any) -> Settlement:
    """Change a draft's entered amounts (or pick up new weighings and advances) and compute again."""
    require_role(actor, *PREPARERS)
    lock_row(settlement)
    if settlement.status is not SettlementStatus.DRAFT:
        raise Conflict(_l("Only a draft settlement can be changed."))
    before = _summary(settlement)
    entered = _entered(values)
    # Whoever last set the figures is their preparer, and so cannot approve them: a reviewer who
    # returns a settlement and recomputes it hands the review to someone else.
    settlement.prepared_by_id, settlement.prepared_at = actor.id, utcnow()
    if settlement.kind is SettlementKind.ORDER:
        _compute_order(settlement, settlement.order, entered)
    else:
        slips = [slip for slip in settlement.slips if slip.status is SlipStatus.CONFIRMED]
        if not slips:
            raise Conflict(_l("Every delivery of this settlement was voided; discard the draft."))
        _compute_batch(settlement, slips, entered)
    db.session.flush()
    audit.record(actor, "settlement.recompute", settlement, before=before, after=_summary(settlement))
    return settlement


def discard(actor: User, settlement: Settlement) -> None:
    """A draft no one needs: its slips are free to settle again."""
    require_role(actor, *PREPARERS)
    lock_row(settlement)
    if settlement.status is not SettlementStatus.DRAFT:
        raise Conflict(_l("Only a draft settlement can be discarded."))
    audit.record(actor, "settlement.discard", settlement, before=_summary(settlement))
    db.session.delete(settlement)
    db.session.flush()


def submit(actor: User, settlement: Settlement) -> Settlement:
    require_role(actor, *PREPARERS)
    lock_row(settlement)
    SETTLEMENT.apply(actor, settlement, "submit")
    settlement.submitted_at, settlement.returned_reason = utcnow(), ""
    db.session.flush()
    return settlement


def approve(actor: User, settlement: Settlement) -> Settlement:
    """审核, by an accountant other than the preparer; exactly once."""
    require_role(actor, *ACCOUNTANTS)
    lock_row(settlement)
    if settlement.prepared_by_id == actor.id:
        raise PermissionDenied(_l("The person who prepared a settlement cannot approve it."))
    SETTLEMENT.apply(actor, settlement, "approve")
    settlement.approved_by_id, settlement.approved_at = actor.id, utcnow()
    db.session.flush()
    return settlement


def return_to_draft(actor: User, settlement: Settlement, reason: str) -> Settlement:
    """退回: a reviewer sends a submitted or approved settlement back to its preparer, saying why."""
    require_role(actor, *ACCOUNTANTS)
    if not (reason or "").strip():
        raise ValidationFailed(_l("Say why the settlement is returned."), field="reason")
    lock_row(settlement)
    SETTLEMENT.apply(actor, settlement, "return", reason=reason.strip())
    settlement.returned_reason = reason.strip()
    settlement.approved_by_id = settlement.approved_at = None
    db.session.flush()
    return settlement


def post(actor: User, settlement: Settlement) -> Settlement:
    """记账: write the settlement's vouchers and purchase invoices, all or none; exactly once."""
    require_role(actor, *ACCOUNTANTS)
    lock_row(settlement)
    if settlement.status is not SettlementStatus.APPROVED:
        SETTLEMENT.apply(actor, settlement, "post")  # raises InvalidTransition
    voided = [slip.serial for slip in settlement.slips if slip.status is not SlipStatus.CONFIRMED]
    if voided:
        raise Conflict(_l("Slip %(serial)s was voided after this settlement was prepared; return it to draft and "
                          "compute it again."), serial=voided[0])
    for plan in voucher_plan(settlement):
        ledger.record_reviewed(preparer=settlement.prepared_by, approver=settlement.approved_by, poster=actor,
                               voucher_date=settlement.settle_on, summary=plan.summary, lines=plan.lines,
                               idempotency_key=f"settlement:{settlement.id}:{plan.key}",
                               source=VoucherSource.SETTLEMENT, source_id=settlement.id, attachments=plan.attachments)
    _issue_invoices(settlement)
    if settlement.order is not None and ORDER.can(settlement.order, "settle"):
        ORDER.apply(actor, lock_row(settlement.order), "settle")  # received → settled
    SETTLEMENT.apply(actor, settlement, "post")
    settlement.posted_by_id, settlement.posted_at = actor.id, utcnow()
    db.session.flush()
    mark_paid_if_done(actor, settlement)  # nothing left to pay when deductions took every net
    return settlement


@dataclass(frozen=True)
class VoucherPlan:
    key: str
    summary: str
    lines: list[LineInput]
    attachments: int = 1


def voucher_plan(settlement: Settlement) -> list[VoucherPlan]:
    """The vouchers a settlement posts (empty ones left out):

    - 销售: Dr 1122 应收账款 (buyer) / Cr 5001 主营业务收入
    - 收购: Dr 5401 主营业务成本 (or 1405 库存商品 for stock) + Dr 222101 进项税额 / Cr 2202 应付账款 (each household)
    - 扣回预付款、农资款: Dr 2202 (household) / Cr 1123 预付账款 and 1221 其他应收款 (household)
    - 费用: Dr 5601 销售费用 / Cr 1002 银行存款
    """
    plans = []
    what = settlement.order.number if settlement.order else settlement.number
    if settlement.kind is SettlementKind.ORDER and settlement.buyer_total > 0:
        plans.append(VoucherPlan("sale", f"销售{what}给{settlement.buyer.name}", [
            LineInput("1122", debit=settlement.buyer_total, party_type=PartyType.BUYER, party_id=settlement.buyer_id),
            LineInput("5001", credit=settlement.buyer_total)]))
    payables = [LineInput("2202", credit=line.gross, party_type=PartyType.HOUSEHOLD, party_id=line.household_id,
                          memo=line.household.head_name) for line in settlement.households if line.gross > 0]
    if payables:
        cost_account = "5401" if settlement.kind is SettlementKind.ORDER else "1405"
        debits = [LineInput(cost_account, debit=settlement.purchase_cost)] if settlement.purchase_cost > 0 else []
        if settlement.input_vat > 0:
            debits.append(LineInput("222101", debit=settlement.input_vat))
        plans.append(VoucherPlan("purchase", f"收购{what}农产品（{len(payables)}户收购发票）", debits + payables,
                                 attachments=len(payables)))
    recovered = [line for line in settlement.households if line.recovered_advances + line.recovered_input_credit > 0]
    if recovered:
        lines = []
        for line in recovered:
            party = {"party_type": PartyType.HOUSEHOLD, "party_id": line.household_id, "memo": line.household.head_name}
            lines.append(LineInput("2202", debit=line.recovered_advances + line.recovered_input_credit, **party))
            if line.recovered_advances > 0:
                lines.append(LineInput("1123", credit=line.recovered_advances, **party))
            if line.recovered_input_credit > 0:
                lines.append(LineInput(input_credits.RECEIVABLE_ACCOUNT, credit=line.recovered_input_credit, **party))
        what_back = "、".join(name for name, present in (
            ("预付款", any(line.recovered_advances > 0 for line in recovered)),
            ("赊销农资款", any(line.recovered_input_credit > 0 for line in recovered))) if present)
        plans.append(VoucherPlan("advances", f"{what}结算扣回{what_back}", lines))
    if settlement.costs > 0:
        plans.append(VoucherPlan("costs", f"{what}物流包装费", [
            LineInput("5601", debit=settlement.costs, memo="物流、包装"), LineInput("1002", credit=settlement.costs)]))
    return plans


def _issue_invoices(settlement: Settlement) -> None:
    product = settlement.slips[0].variety.product.name if settlement.slips else ""
    for line in settlement.households:
        if line.gross <= 0 or line.invoice is not None:
            continue
        household = line.household
        address = "".join(part for part in (household.village.county, household.village.township,
                                             household.village.name, household.group.name if household.group else "")
                          if part)
        db.session.add(PurchaseInvoice(
            number=next_number(PurchaseInvoice.number, f"SG{settlement.settle_on.year}-"), line=line,
            issued_on=settlement.settle_on, seller_name=household.head_name,
            seller_id_masked=mask_id_number(household.id_number) if household.id_number else "",
            seller_address=address[:255], product_name=product[:64], quantity_kg=line.payable_kg, amount=line.gross,
            vat_rate_pct=settlement.vat_rate_pct, vat=line.input_vat, cost=line.gross - line.input_vat))
        db.session.flush()


def mark_paid_if_done(actor: User, settlement: Settlement) -> None:
    """posted → paid once every household has been paid in full (re-read under the settlement's lock)."""
    lock_row(settlement)
    if settlement.status is not SettlementStatus.POSTED:
        return
    open_lines = db.session.scalar(select(func.count()).select_from(SettlementHousehold).where(
        SettlementHousehold.settlement_id == settlement.id, SettlementHousehold.paid < SettlementHousehold.net))
    if open_lines == 0:
        SETTLEMENT.apply(actor, settlement, "pay")


# --- reading -------------------------------------------------------------------------------------

def _summary(settlement: Settlement) -> dict[str, Any]:
    return audit.snapshot(settlement, ("number", "kind", "status", "order_id", "settle_on", "buyer_total",
                                       "purchase_total", "input_vat", "logistics", "packing", "margin"))


def get(actor: User, settlement_id: int) -> Settlement:
    require_role(actor, *READERS)
    settlement = db.session.get(Settlement, settlement_id)
    if settlement is None:
        raise NotFound(_l("This settlement does not exist."))
    return settlement


def listing(actor: User, status: SettlementStatus | None = None) -> Select:
    require_role(actor, *READERS)
    statement = select(Settlement).order_by(Settlement.id.desc())
    if status is not None:
        statement = statement.where(Settlement.status == status)
    return statement


def awaiting_review(actor: User) -> Select:
    return listing(actor, SettlementStatus.SUBMITTED)


def settleable_orders() -> list[BuyerOrder]:
    """Orders with a receipt and no settlement yet."""
    return list(db.session.scalars(
        select(BuyerOrder).join(Receipt, Receipt.order_id == BuyerOrder.id)
        .where(~BuyerOrder.id.in_(select(Settlement.order_id).where(Settlement.order_id.is_not(None))),
               BuyerOrder.status != OrderStatus.CANCELLED)
        .order_by(BuyerOrder.id)))


def household_lines(household_id: int) -> Select:
    return (select(SettlementHousehold).join(Settlement)
            .where(SettlementHousehold.household_id == household_id, Settlement.status.in_(IN_BOOKS))
            .order_by(Settlement.settle_on, Settlement.id))


def applications_of(line: SettlementHousehold) -> list[PaymentApplication]:
    return list(db.session.scalars(select(PaymentApplication).where(PaymentApplication.line_id == line.id)
                                   .order_by(PaymentApplication.id)))


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
