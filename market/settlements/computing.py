"""Computing a settlement's figures from what was weighed and received, what the households are
owed back (advances, deposits set off, input credit) and what the preparer entered (costs, the
buyer's deductions, the VAT rate), exact to the fen (``splits``). The services lock, flush and
record what these compute.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Iterable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select

from models import (BuyerOrder, ContractPrepayment, OrderStatus, ContractStatus, Household, PrepaymentKind, PurchaseContract,
                    Receipt, ReceiptOutcome, Settlement, SettlementHousehold, SettlementItem, SettlementKind,
                    Shipment, SettlementStatus, SlipStatus, Supplier, WeighSlip, db)
from models import settlement_shipments

from ..clock import local_today, local_zone
from ..errors import Conflict, FieldErrors, ValidationFailed
from ..fulfilment.common import order_slips
from ..input_credits import services as input_credits
from ..units import Money, UnitError, Weight, amount_for, parse_money
from . import sales_vat, splits
from .states import COUNTING

#: the amounts a preparer enters, in 元
ENTERED = ("logistics", "packing", "buyer_deductions")
MAX_AMOUNT = Decimal(100_000_000)


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


def parse_day(value: Any, errors: FieldErrors, field: str) -> date:
    """A date entered (today when none is); a bad one is added to ``errors`` under ``field``."""
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
    #: 增值税专用发票 of the logistics and of the packing: number ("" for none) and rate (percent)
    logistics_invoice_no: str = ""
    logistics_vat_rate_pct: Decimal | None = None
    packing_invoice_no: str = ""
    packing_vat_rate_pct: Decimal | None = None
    #: the supplier (供应商/承运商) each cost is owed to (2202 by supplier), or None: paid on the day
    logistics_supplier_id: int | None = None
    packing_supplier_id: int | None = None


#: a special invoice's number: its digits (8 on paper, 20 for a 数电票), letters for other schemes
_INVOICE_NO = re.compile(r"^[0-9A-Za-z-]{1,32}$")
#: the highest rate a special invoice for freight or packing carries, percent
MAX_COST_RATE_PCT = Decimal("17")


def _special_invoice(values: dict[str, Any], cost: str, amount: Decimal,
                     errors: FieldErrors) -> tuple[str, Decimal | None]:
    """The number and rate of the special invoice a cost was bought with, or ("", None)."""
    number = " ".join(str(values.get(f"{cost}_invoice_no") or "").split()).replace(" ", "")
    raw_rate = values.get(f"{cost}_vat_rate_pct")
    raw_rate = "" if raw_rate is None else str(raw_rate).strip().rstrip("%").strip()
    if not number:
        if raw_rate:
            errors.add(f"{cost}_invoice_no", _l("Enter the special invoice's number, or leave its rate empty."))
        return "", None
    if not _INVOICE_NO.match(number):
        errors.add(f"{cost}_invoice_no", _l("An invoice number is digits (or letters), at most 32."))
    try:
        rate = Decimal(raw_rate)
    except ArithmeticError:
        rate = Decimal(-1)
    if not rate.is_finite() or rate <= 0 or rate > MAX_COST_RATE_PCT or rate != rate.quantize(Decimal("0.01")):
        errors.add(f"{cost}_vat_rate_pct", _l("Enter the rate on the special invoice, e.g. 9 or 13."))
        return number, None
    if amount <= 0:
        errors.add(f"{cost}_invoice_no", _l("A special invoice needs the amount it is for."))
    return number, rate.quantize(Decimal("0.01"))


def _supplier(values: dict[str, Any], cost: str, amount: Decimal, errors: FieldErrors) -> int | None:
    """The supplier a cost is owed to, or None (paid from the bank on the settlement day)."""
    raw = values.get(f"{cost}_supplier_id")
    if raw in (None, "", 0, "0"):
        return None
    field = f"{cost}_supplier_id"
    try:
        supplier_id = int(raw)
    except (TypeError, ValueError):
        supplier_id = 0
    if supplier_id <= 0 or supplier_id > 2**31 - 1 or db.session.get(Supplier, supplier_id) is None:
        errors.add(field, _l("Choose a supplier from the list."))
        return None
    if amount <= 0:
        errors.add(field, _l("A supplier is owed only when there is an amount."))
    return supplier_id


def read_entered(values: dict[str, Any]) -> Entered:
    """What the preparer entered, checked. :raises ValidationFailed: a bad amount, date or rate."""
    errors = FieldErrors()
    logistics = _amount(values.get("logistics"), errors, "logistics")
    packing = _amount(values.get("packing"), errors, "packing")
    logistics_invoice = _special_invoice(values, "logistics", logistics, errors)
    packing_invoice = _special_invoice(values, "packing", packing, errors)
    entered = Entered(settle_on=parse_day(values.get("settle_on"), errors, "settle_on"),
                      logistics=logistics, packing=packing,
                      buyer_deductions=_amount(values.get("buyer_deductions"), errors, "buyer_deductions"),
                      vat_rate_pct=_rate(values.get("vat_rate_pct"), errors),
                      note=(values.get("note") or "").strip(),
                      logistics_invoice_no=logistics_invoice[0], logistics_vat_rate_pct=logistics_invoice[1],
                      packing_invoice_no=packing_invoice[0], packing_vat_rate_pct=packing_invoice[1],
                      logistics_supplier_id=_supplier(values, "logistics", logistics, errors),
                      packing_supplier_id=_supplier(values, "packing", packing, errors))
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
    return outstanding_advances_of([household_id], excluding=excluding, counting=counting)[household_id]


def outstanding_advances_of(household_ids: Iterable[int], *, excluding: int | None = None,
                            counting: tuple[SettlementStatus, ...] = COUNTING) -> dict[int, int]:
    """:func:`outstanding_advances` of many households at once (two queries), by household."""
    ids = list(household_ids)
    if not ids:
        return {}
    paid = dict(db.session.execute(
        select(PurchaseContract.household_id, func.sum(ContractPrepayment.amount)).join(PurchaseContract)
        .where(PurchaseContract.household_id.in_(ids),
               (ContractPrepayment.kind == PrepaymentKind.ADVANCE)
               | ((ContractPrepayment.kind == PrepaymentKind.DEPOSIT)
                  & (PurchaseContract.status == ContractStatus.FULFILLED)))
        .group_by(PurchaseContract.household_id)).all())
    recovered = (select(SettlementHousehold.household_id, func.sum(SettlementHousehold.recovered_advances))
                 .join(Settlement).where(SettlementHousehold.household_id.in_(ids), Settlement.status.in_(counting))
                 .group_by(SettlementHousehold.household_id))
    if excluding is not None:
        recovered = recovered.where(Settlement.id != excluding)
    taken = dict(db.session.execute(recovered).all())
    return {h: Money(Decimal(paid.get(h) or 0)).fen - Money(Decimal(taken.get(h) or 0)).fen for h in ids}


# --- building ------------------------------------------------------------------------------------

@dataclass
class _Item:
    grade_id: int
    price: Decimal
    grams: int = 0
    #: what the slips printed for these lines at ``price`` (each slip line rounded on its own)
    fen: int = 0
    delivered_on: date | None = None
    serials: list[str] | None = None


def _group(slips: Iterable[WeighSlip], price_of) -> dict[int, dict[Any, _Item]]:
    """Slip lines per household, then per key (``price_of`` gives the key and the price)."""
    grouped: dict[int, dict[Any, _Item]] = defaultdict(dict)
    for slip in slips:
        day = local_day(slip)
        for line in slip.lines:
            key, price = price_of(line)
            item = grouped[slip.household_id].setdefault(key, _Item(line.grade_id, price, serials=[]))
            item.grams += Weight(line.net_kg).grams
            # The slip's own figure when it was priced as the settlement prices it; else the same
            # per-slip rounding at the settlement's price.
            item.fen += (Money(line.amount).fen if line.unit_price == price
                         else amount_for(price, Weight(line.net_kg)).fen)
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
    advances = outstanding_advances_of(grouped, excluding=settlement_id)
    credits = input_credits.outstanding_input_credits(grouped, excluding=settlement_id)
    deliveries = []
    for household_id, items in sorted(grouped.items()):
        lines = []
        for number, (key, item) in enumerate(sorted(items.items(), key=lambda kv: (kv[1].grade_id, kv[1].price)), 1):
            keys[(household_id, number)] = key
            lines.append(splits.DeliveryLine(grade_id=number, grams=item.grams, price=item.price, slips_fen=item.fen))
        deliveries.append(splits.HouseholdDelivery(
            household_id=household_id, lines=tuple(lines),
            advances_fen=max(0, advances[household_id]), input_credit_fen=max(0, credits[household_id])))
    return tuple(deliveries)


def _fill(settlement: Settlement, households: tuple[splits.HouseholdResult, ...],
          grouped: dict[int, dict[Any, _Item]], keys: dict[tuple[int, int], Any]) -> None:
    settlement.households.clear()
    db.session.flush()
    # the households' lines, then their grade lines, each in one statement (a settlement of 1,000
    # households writes 1,000 of each): the lines' ids come back in the order they were sent
    line_rows = [{"settlement_id": settlement.id, "household_id": result.household_id,
                  "field_kg": Weight.from_grams(result.field_g).kg, "payable_kg": Weight.from_grams(result.payable_g).kg,
                  "gross": Money.from_fen(result.gross_fen).yuan, "input_vat": Money.from_fen(result.input_vat_fen).yuan,
                  "recovered_advances": Money.from_fen(result.recovered_advances_fen).yuan,
                  "recovered_input_credit": Money.from_fen(result.recovered_input_credit_fen).yuan,
                  "net": Money.from_fen(result.net_fen).yuan, "carried_over": Money.from_fen(result.carried_over_fen).yuan,
                  "paid": Decimal(0), "adjusted": Decimal(0)} for result in households]
    ids = list(db.session.scalars(insert(SettlementHousehold).returning(
        SettlementHousehold.id, sort_by_parameter_order=True), line_rows)) if line_rows else []
    rows = []
    for line_id, result in zip(ids, households):
        for part in result.lines:
            item = grouped[result.household_id][keys[(result.household_id, part.grade_id)]]
            rows.append({"line_id": line_id, "grade_id": item.grade_id, "delivered_on": item.delivered_on,
                         "field_kg": Weight.from_grams(part.field_g).kg, "payable_kg": Weight.from_grams(part.payable_g).kg,
                         "price": part.price, "amount": Money.from_fen(part.amount_fen).yuan,
                         "slip_serials": ", ".join(item.serials or [])})
    if rows:
        db.session.execute(insert(SettlementItem), rows)
    db.session.expire(settlement, ["households"])


def settleable_trucks(order: BuyerOrder, settlement: Settlement | None = None) -> list[Shipment]:
    """The order's trucks the supermarket has received that no other standing settlement sells."""
    taken = (select(settlement_shipments.c.shipment_id)
             .join(Settlement, Settlement.id == settlement_shipments.c.settlement_id)
             .where(Settlement.status != SettlementStatus.REVERSED,
                    Settlement.id != (settlement.id if settlement is not None and settlement.id else 0)))
    return list(db.session.scalars(select(Shipment).join(Receipt, Receipt.shipment_id == Shipment.id)
                                   .where(Shipment.order_id == order.id, ~Shipment.id.in_(taken))
                                   .order_by(Shipment.id)))


def rejected_for_quality_g(receipt: Receipt) -> int:
    """Grams the supermarket rejected because their defects were above its threshold (超过拒收标准):
    the whole inspected load (what came over the order was refused at the door, not for quality)."""
    if receipt.outcome is not ReceiptOutcome.REJECTED:
        return 0
    return Weight(receipt.received_kg).grams - Weight(receipt.over_order_kg).grams


def compute_order(settlement: Settlement, order: BuyerOrder, entered: Entered) -> None:
    """The three-way settlement of a received order: its households' lines and every amount.

    :raises Conflict: no receipt yet, nothing weighed, a grade without a farm-gate price, or more
        accepted than weighed. :raises ValidationFailed: the buyer's deductions exceed what it owes.
    """
    trucks = settleable_trucks(order, settlement)
    if not trucks:
        raise Conflict(_l("No truck of this order is received and not yet settled: settle after the supermarket's "
                          "receipt (验收单)."))
    # prepared once every truck is received (the last gone), it settles the rest of the order; before,
    # it is an interim settlement of the trucks received so far
    # (a correction of an interim one reversed after the final one stands is an interim one again)
    settlement.final = order.status is OrderStatus.RECEIVED and db.session.scalar(select(Settlement.id).where(
        Settlement.order_id == order.id, Settlement.final.is_(True), Settlement.status != SettlementStatus.REVERSED,
        Settlement.id != (settlement.id or 0)).limit(1)) is None
    settlement.shipments = trucks
    receipts = list(db.session.scalars(select(Receipt).where(Receipt.shipment_id.in_([t.id for t in trucks]))))
    # what went on these trucks; what was weighed for the order and never loaded stays with the company
    shipped = {slip.id for truck in trucks for slip in truck.slips}
    slips = [slip for slip in order_slips(order) if slip.status is SlipStatus.CONFIRMED and slip.id in shipped]
    stock_g = sum(Weight(truck.stock_kg).grams for truck in trucks)
    if not slips and not stock_g:
        raise Conflict(_l("Nothing was weighed for this order."))
    farm_gate = {p.grade_id: p.price for p in order.prices}
    missing = {line.grade_id for slip in slips for line in slip.lines if line.grade_id not in farm_gate}
    if missing:
        raise Conflict(_l("The order has no farm-gate price for a grade that was weighed."))
    grouped = _group(slips, lambda line: (line.grade_id, farm_gate[line.grade_id]))
    keys: dict[tuple[int, int], Any] = {}
    try:
        result = splits.settle_order(splits.OrderSettlementInput(
            accepted_g=sum(Weight(receipt.accepted_kg).grams for receipt in receipts),
            delivered_price=order.delivered_price,
            households=_deliveries(grouped, keys, settlement.id), reject_policy=order.reject_policy.value,
            buyer_deductions_fen=Money(entered.buyer_deductions).fen, logistics_fen=Money(entered.logistics).fen,
            packing_fen=Money(entered.packing).fen, vat_rate=entered.vat_rate_pct / 100, stock_g=stock_g,
            abnormal_g=sum(rejected_for_quality_g(receipt) for receipt in receipts)))
    except splits.SettlementError as error:
        if error.code == "deductions_exceed_buyer_total":
            raise ValidationFailed(_l("The buyer's deductions exceed what the buyer owes."),
                                   field="buyer_deductions", rule=error.code) from None
        raise Conflict(_l("The order cannot be settled as recorded: more was accepted than weighed or taken "
                          "from stock.")) from None
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
    settlement.abnormal_kg = Weight.from_grams(result.abnormal_g).kg
    settlement.abnormal_stock_kg = Weight.from_grams(result.abnormal_stock_g).kg
    settlement.loss_cost = Money.from_fen(result.loss_cost_fen).yuan
    settlement.loss_vat = Money.from_fen(result.loss_vat_fen).yuan
    settlement.slips = slips
    _set_sale_vat(settlement, order)


def sale_lines(settlement: Settlement) -> list[sales_vat.SaleLine]:
    """The lines of the sales invoice of an order's settlement, as stored: the order is one variety
    at one delivered price, so one line — the buyer total, after the deductions agreed on it."""
    if settlement.kind is not SettlementKind.ORDER:
        return []
    return [sales_vat.SaleLine(Money(settlement.buyer_total).fen, settlement.sale_vat_rate_pct,
                               settlement.sale_vat_exempt_basis)]


def _set_sale_vat(settlement: Settlement, order: BuyerOrder) -> None:
    """价税分离 of the sale at the treatment its product carries today (kept on the settlement)."""
    product = order.variety.product
    settlement.sale_vat_rate_pct = product.sales_vat_rate_pct
    settlement.sale_vat_exempt_basis = product.sales_vat_exempt_basis if product.sales_vat_exempt else ""
    split = sales_vat.split_sale(sale_lines(settlement))
    settlement.sale_net = Money.from_fen(split.net_fen).yuan
    settlement.output_vat = Money.from_fen(split.tax_fen).yuan


def _apply_entered(settlement: Settlement, entered: Entered) -> None:
    settlement.settle_on, settlement.vat_rate_pct, settlement.note = entered.settle_on, entered.vat_rate_pct, entered.note
    settlement.logistics, settlement.packing = entered.logistics, entered.packing
    settlement.buyer_deductions = entered.buyer_deductions
    for cost in ("logistics", "packing"):
        number, rate = getattr(entered, f"{cost}_invoice_no"), getattr(entered, f"{cost}_vat_rate_pct")
        setattr(settlement, f"{cost}_invoice_no", number)
        setattr(settlement, f"{cost}_vat_rate_pct", rate)
        setattr(settlement, f"{cost}_input_vat", cost_input_vat(getattr(entered, cost), rate))
        setattr(settlement, f"{cost}_supplier_id", getattr(entered, f"{cost}_supplier_id"))


def cost_input_vat(amount: Decimal, rate_pct: Decimal | None) -> Decimal:
    """The deductible VAT a special invoice of ``amount`` (tax included) at ``rate_pct`` contains."""
    return Money.from_fen(sales_vat.output_tax(Money(amount).fen, rate_pct)).yuan


def compute_batch(settlement: Settlement, slips: list[WeighSlip], entered: Entered) -> None:
    """A purchase for stock of the contract deliveries ``slips``: its households' lines and amounts."""
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
    settlement.logistics_invoice_no = settlement.packing_invoice_no = ""
    settlement.logistics_vat_rate_pct = settlement.packing_vat_rate_pct = None
    settlement.logistics_input_vat = settlement.packing_input_vat = Decimal(0)
    settlement.logistics_supplier_id = settlement.packing_supplier_id = None
    settlement.buyer_gross = settlement.buyer_total = settlement.margin = Decimal(0)
    # The company buys for its own stock: nothing is sold, so the "margin" is minus the purchase.
    settlement.purchase_total = Money.from_fen(batch.purchase_total_fen).yuan
    settlement.input_vat = Money.from_fen(batch.input_vat_fen).yuan
    settlement.purchase_cost = Money.from_fen(batch.purchase_cost_fen).yuan
    settlement.margin = -settlement.purchase_total
    settlement.field_kg = settlement.accepted_kg = Weight.from_grams(batch.field_g).kg
    settlement.lost_kg = settlement.abnormal_kg = settlement.abnormal_stock_kg = Decimal(0)
    settlement.loss_cost = settlement.loss_vat = Decimal(0)
    settlement.sale_vat_rate_pct, settlement.sale_vat_exempt_basis = None, ""
    settlement.sale_net = settlement.output_vat = Decimal(0)
    settlement.slips = slips


def local_day(slip: WeighSlip) -> date:
    """The day the slip was weighed, in the market's time zone."""
    return slip.weighed_at.astimezone(local_zone()).date()
