"""Pages of settlements and payments.

Settlements: the list with a tab per status (waiting for review first for accountants),
preparing an order's three-way settlement or a batch of contract deliveries, the 三方结算单
with its review steps, vouchers and purchase invoices, and their printable forms.
Payments: paying a household, recording a buyer's payment, batch payouts with the bank's
import file, booking contract advances, and who is still owed what. Every payment form
carries an idempotency key made when it is shown, so submitting it twice pays once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from models import (Buyer, BuyerOrder, ContractPrepayment, Household, Payment, PaymentApplication,
                    PaymentBatch, PaymentKind, PurchaseInvoice, Receipt, Settlement, SettlementHousehold,
                    SettlementKind, SettlementStatus, Voucher, VoucherSource, db)

from ..clock import local_today
from ..errors import MarketError, NotFound
from ..forms import new_key, place_errors
from ..labels import label
from ..pages import PAGE_SIZE, already_used, form_errors, require, voucher_url, yuan
from ..units import Money
from ..weighing.capitals import amount_in_capitals
from ..weighing.forms import options
from . import bp, payments, services
from .forms import (AmountsForm, BatchForm, BatchSettlementForm, OrderSettlementForm, PayoutForm, PrepaymentPayForm,
                    ReceiptForm, ReturnForm, VoidForm)

#: the tabs of the list, in the order an accountant works through them
TABS = (SettlementStatus.SUBMITTED, SettlementStatus.DRAFT, SettlementStatus.APPROVED, SettlementStatus.POSTED,
        SettlementStatus.PAID)
COMPANY = "空港浓香园"


# --- helpers -------------------------------------------------------------------------------------

@bp.context_processor
def _template_helpers() -> dict:
    return {"voucher_url": voucher_url, "SettlementStatus": SettlementStatus, "SettlementKind": SettlementKind,
            "PaymentKind": PaymentKind}


def _is_accountant() -> bool:
    return current_user.has_role(*payments.ACCOUNTANTS)


def _can_prepare() -> bool:
    return current_user.has_role(*services.PREPARERS)


def _payment_input(form) -> payments.PaymentInput:
    """What a payment form says (a contract advance's amount is the contract's, so its form has none)."""
    amount = form.amount.data if "amount" in form else None
    supporting = form.supporting_doc.data if "supporting_doc" in form else ""
    return payments.PaymentInput(amount=amount, method=form.method.data, paid_on=form.paid_on.data,
                                 reference=form.reference.data or "", signer=form.signer.data or "",
                                 supporting_doc=supporting or "", note=form.note.data or "")


# --- the list ------------------------------------------------------------------------------------

@bp.route("/settlements/")
@login_required
def list_settlements():
    tab = request.args.get("status") or ("submitted" if _is_accountant() else "all")
    try:
        status = None if tab == "all" else SettlementStatus(tab)
    except ValueError:
        raise NotFound() from None
    page = db.paginate(services.listing(current_user, status), page=request.args.get("page", 1, type=int),
                       per_page=PAGE_SIZE, error_out=False)
    counts = dict(db.session.execute(select(Settlement.status, func.count()).group_by(Settlement.status)).all())
    ids = [s.id for s in page.items]
    households = dict(db.session.execute(
        select(SettlementHousehold.settlement_id, func.count()).where(SettlementHousehold.settlement_id.in_(ids))
        .group_by(SettlementHousehold.settlement_id)).all()) if ids else {}
    tabs = [(s.value, label(s), counts.get(s, 0)) for s in TABS] + [("all", _("All"), sum(counts.values()))]
    return render_template("settlement/list.html", page=page, tab=tab, tabs=tabs, households=households,
                           can_prepare=_can_prepare())


# --- preparing -----------------------------------------------------------------------------------

def _order_choices(orders: list[BuyerOrder]) -> list:
    receipts = {r.order_id: r for r in db.session.scalars(
        select(Receipt).where(Receipt.order_id.in_([o.id for o in orders])))} if orders else {}
    rows = [("", _("Choose the order"))]
    for order in orders:
        receipt = receipts.get(order.id)
        accepted = (" · " + _("accepted %(kg)s kg", kg=f"{receipt.accepted_kg.normalize():f}")) if receipt else ""
        rows.append((order.id, f"{order.number} · {order.buyer.name} · {order.variety.name}{accepted}"))
    return options(rows)


def _entered(form) -> dict[str, Any]:
    return {"settle_on": form.settle_on.data, "logistics": form.logistics.data, "packing": form.packing.data,
            "buyer_deductions": form.buyer_deductions.data, "vat_rate_pct": form.vat_rate_pct.data,
            "note": form.note.data or ""}


@bp.route("/settlements/new", methods=["GET", "POST"])
@login_required
def new_settlement():
    require(*services.PREPARERS)
    orders = services.settleable_orders()
    form = OrderSettlementForm()
    form.order_id.choices = _order_choices(orders)
    general: list[str] = []
    if request.method == "GET":
        form.settle_on.data = local_today().isoformat()
        form.vat_rate_pct.data = f"{services.vat_rate_pct().normalize():f}"
        wanted = request.args.get("order_id", type=int)
        if wanted in {o.id for o in orders}:
            form.order_id.data = wanted
    elif form.validate_on_submit():
        order = db.session.get(BuyerOrder, form.order_id.data)
        if order is None:
            form.order_id.errors.append(_("Choose the order to settle."))
        else:
            try:
                settlement = services.prepare_order_settlement(current_user, order, **_entered(form))
            except MarketError as exc:
                general = form_errors(form, exc)
            else:
                db.session.commit()
                flash(_("Settlement %(number)s prepared as a draft. Check it, then submit it for review.",
                        number=settlement.number), "success")
                return redirect(url_for("settlement.show_settlement", settlement_id=settlement.id))
    status = 422 if request.method == "POST" else 200
    return render_template("settlement/new.html", form=form, orders=orders, general=general), status


@bp.route("/settlements/new-batch", methods=["GET", "POST"])
@login_required
def new_batch_settlement():
    require(*services.PREPARERS)
    form = BatchSettlementForm()
    general: list[str] = []
    waiting = db.session.scalars(services.unsettled_contract_slips()).all()
    if request.method == "GET":
        form.settle_on.data = local_today().isoformat()
        form.vat_rate_pct.data = f"{services.vat_rate_pct().normalize():f}"
    elif form.validate_on_submit():
        try:
            settlement = services.prepare_contract_batch(
                current_user, start=form.start.data, end=form.end.data, settle_on=form.settle_on.data,
                vat_rate_pct=form.vat_rate_pct.data, note=form.note.data or "")
        except MarketError as exc:
            general = form_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Settlement %(number)s prepared as a draft. Check it, then submit it for review.",
                    number=settlement.number), "success")
            return redirect(url_for("settlement.show_settlement", settlement_id=settlement.id))
    status = 422 if request.method == "POST" else 200
    return render_template("settlement/new_batch.html", form=form, waiting=waiting, general=general), status


# --- the 三方结算单 --------------------------------------------------------------------------------

@dataclass
class HouseholdTotals:
    field_kg: Decimal = Decimal(0)
    payable_kg: Decimal = Decimal(0)
    gross: Decimal = Decimal(0)
    input_vat: Decimal = Decimal(0)
    recovered: Decimal = Decimal(0)
    recovered_advances: Decimal = Decimal(0)
    recovered_input_credit: Decimal = Decimal(0)
    net: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    carried_over: Decimal = Decimal(0)

    @property
    def owed(self) -> Decimal:
        return self.net - self.paid


def household_totals(settlement: Settlement) -> HouseholdTotals:
    totals = HouseholdTotals()
    for line in settlement.households:
        totals.field_kg += line.field_kg
        totals.payable_kg += line.payable_kg
        totals.gross += line.gross
        totals.input_vat += line.input_vat
        totals.recovered += line.recovered_advances + line.recovered_input_credit
        totals.recovered_advances += line.recovered_advances
        totals.recovered_input_credit += line.recovered_input_credit
        totals.net += line.net
        totals.paid += line.paid
        totals.carried_over += line.carried_over
    return totals


def _vouchers(settlement: Settlement) -> list[Voucher]:
    return list(db.session.scalars(select(Voucher).options(selectinload(Voucher.lines), selectinload(Voucher.period))
                                   .where(Voucher.source == VoucherSource.SETTLEMENT,
                                          Voucher.source_id == settlement.id).order_by(Voucher.id)))


def _invoices(settlement: Settlement) -> list[PurchaseInvoice]:
    return list(db.session.scalars(select(PurchaseInvoice).join(SettlementHousehold)
                                   .where(SettlementHousehold.settlement_id == settlement.id)
                                   .order_by(PurchaseInvoice.number)))


def _receipts(settlement: Settlement) -> list[PaymentApplication]:
    return list(db.session.scalars(select(PaymentApplication).where(PaymentApplication.settlement_id == settlement.id)
                                   .options(selectinload(PaymentApplication.payment))
                                   .order_by(PaymentApplication.id)))


def _amounts_form_for(settlement: Settlement) -> AmountsForm:
    form = AmountsForm(formdata=None)
    form.settle_on.data = settlement.settle_on.isoformat()
    form.logistics.data = f"{settlement.logistics:.2f}"
    form.packing.data = f"{settlement.packing:.2f}"
    form.buyer_deductions.data = f"{settlement.buyer_deductions:.2f}"
    form.vat_rate_pct.data = f"{settlement.vat_rate_pct.normalize():f}"
    form.note.data = settlement.note
    return form


def _detail_context(settlement: Settlement) -> dict[str, Any]:
    accountant = _is_accountant()
    submitted = settlement.status is SettlementStatus.SUBMITTED
    prepared_it = settlement.prepared_by_id == current_user.id
    return dict(
        settlement=settlement, totals=household_totals(settlement), vouchers=_vouchers(settlement),
        invoices=_invoices(settlement), receipts=_receipts(settlement),
        product=settlement.slips[0].variety if settlement.slips else None,
        draft=settlement.status is SettlementStatus.DRAFT, can_prepare=_can_prepare(), accountant=accountant,
        can_approve=accountant and submitted and not prepared_it, own_settlement=accountant and submitted and prepared_it,
        can_return=accountant and settlement.status in (SettlementStatus.SUBMITTED, SettlementStatus.APPROVED),
        can_post=accountant and settlement.status is SettlementStatus.APPROVED,
        can_pay=accountant and settlement.status is SettlementStatus.POSTED,
        in_books=settlement.status in services.IN_BOOKS,
    )


def _render_detail(settlement: Settlement, *, amounts_form=None, return_form=None, general=None, status=200):
    return render_template(
        "settlement/detail.html", amounts_form=amounts_form or _amounts_form_for(settlement),
        return_form=return_form or ReturnForm(formdata=None), general=general or [],
        **_detail_context(settlement)), status


@bp.route("/settlements/<int:settlement_id>")
@login_required
def show_settlement(settlement_id: int):
    return _render_detail(services.get(current_user, settlement_id))


@bp.route("/settlements/<int:settlement_id>/recompute", methods=["POST"])
@login_required
def recompute(settlement_id: int):
    settlement = services.get(current_user, settlement_id)
    form = AmountsForm()
    if not form.validate_on_submit():
        return _render_detail(settlement, amounts_form=form, status=422)
    values = _entered(form)
    if settlement.kind is SettlementKind.CONTRACT_BATCH:
        values = {k: v for k, v in values.items() if k not in services.ENTERED}
    try:
        services.recompute(current_user, settlement, **values)
    except MarketError as exc:
        general = form_errors(form, exc)
        return _render_detail(services.get(current_user, settlement_id), amounts_form=form, general=general,
                              status=exc.status)
    db.session.commit()
    flash(_("Computed again with the amounts entered."), "success")
    return redirect(url_for("settlement.show_settlement", settlement_id=settlement_id))


#: the review steps a button on the 三方结算单 takes
STEPS = {"submit": services.submit, "approve": services.approve, "post": services.post}


@bp.route("/settlements/<int:settlement_id>/<any(submit, approve, post):step>", methods=["POST"])
@login_required
def move(settlement_id: int, step: str):
    settlement = services.get(current_user, settlement_id)
    try:
        STEPS[step](current_user, settlement)
    except MarketError as exc:
        db.session.rollback()
        flash(exc.text(), "error")
    else:
        db.session.commit()
        flash({"submit": _("Submitted for review. Another accountant approves it."),
               "approve": _("Approved. It can be posted to the books now."),
               "post": _("Posted: its vouchers are in the books and its purchase invoices are issued.")}[step],
              "success")
    return redirect(url_for("settlement.show_settlement", settlement_id=settlement_id))


@bp.route("/settlements/<int:settlement_id>/return", methods=["POST"])
@login_required
def return_to_draft(settlement_id: int):
    settlement = services.get(current_user, settlement_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        return _render_detail(settlement, return_form=form, status=422)
    try:
        services.return_to_draft(current_user, settlement, form.reason.data or "")
    except MarketError as exc:
        general = form_errors(form, exc)
        return _render_detail(services.get(current_user, settlement_id), return_form=form, general=general,
                              status=exc.status)
    db.session.commit()
    flash(_("Returned to its preparer as a draft."), "success")
    return redirect(url_for("settlement.show_settlement", settlement_id=settlement_id))


@bp.route("/settlements/<int:settlement_id>/discard", methods=["POST"])
@login_required
def discard(settlement_id: int):
    settlement = services.get(current_user, settlement_id)
    number = settlement.number
    try:
        services.discard(current_user, settlement)
    except MarketError as exc:
        db.session.rollback()
        flash(exc.text(), "error")
        return redirect(url_for("settlement.show_settlement", settlement_id=settlement_id))
    db.session.commit()
    flash(_("Draft %(number)s discarded; its weighings can be settled again.", number=number), "success")
    return redirect(url_for("settlement.list_settlements", status="all"))


# --- printed -------------------------------------------------------------------------------------

@bp.route("/settlements/<int:settlement_id>/print")
@login_required
def print_settlement(settlement_id: int):
    """三方结算单 on A4, always in Chinese."""
    settlement = services.get(current_user, settlement_id)
    with force_locale("zh_CN"):
        return render_template("settlement/print.html", company=COMPANY, **_detail_context(settlement))


def _invoice_pages(invoices: list[PurchaseInvoice]) -> list[dict[str, Any]]:
    return [{"invoice": invoice, "items": invoice.line.items,
             "capitals": amount_in_capitals(Money(invoice.amount))} for invoice in invoices]


@bp.route("/settlements/<int:settlement_id>/invoices/print")
@login_required
def print_invoices(settlement_id: int):
    """Every 农产品收购发票 of a settlement, one per page."""
    settlement = services.get(current_user, settlement_id)
    with force_locale("zh_CN"):
        return render_template("settlement/invoice_print.html", company=COMPANY, settlement=settlement,
                               pages=_invoice_pages(_invoices(settlement)))


@bp.route("/settlements/invoices/<int:invoice_id>/print")
@login_required
def print_invoice(invoice_id: int):
    invoice = db.session.get(PurchaseInvoice, invoice_id)
    if invoice is None:
        raise NotFound()
    settlement = services.get(current_user, invoice.line.settlement_id)
    with force_locale("zh_CN"):
        return render_template("settlement/invoice_print.html", company=COMPANY, settlement=settlement,
                               pages=_invoice_pages([invoice]))


# --- who is owed ---------------------------------------------------------------------------------

@dataclass
class Owed:
    party: Any
    amount: Decimal = Decimal("0.00")
    settlements: list = field(default_factory=list)
    oldest: date | None = None
    due: date | None = None


def owed_households() -> list[Owed]:
    """Households owed on posted settlements, most owed first."""
    rows = db.session.scalars(
        select(SettlementHousehold).join(Settlement)
        .where(Settlement.status.in_(services.IN_BOOKS), SettlementHousehold.paid < SettlementHousehold.net)
        .options(selectinload(SettlementHousehold.household).selectinload(Household.village),
                 selectinload(SettlementHousehold.settlement)))
    owed: dict[int, Owed] = {}
    for line in rows:
        entry = owed.setdefault(line.household_id, Owed(line.household))
        entry.amount += line.net - line.paid
        entry.settlements.append(line.settlement)
        day = line.settlement.settle_on
        entry.oldest = min(entry.oldest or day, day)
    return sorted(owed.values(), key=lambda e: (-e.amount, e.party.id))


def owing_buyers() -> list[Owed]:
    """Buyers with receivables on posted settlements, the earliest due first."""
    rows = db.session.scalars(
        select(Settlement).where(Settlement.kind == SettlementKind.ORDER, Settlement.status.in_(services.IN_BOOKS),
                                 Settlement.buyer_received < Settlement.buyer_total)
        .options(selectinload(Settlement.buyer)).order_by(Settlement.due_on, Settlement.id))
    owing: dict[int, Owed] = {}
    for settlement in rows:
        entry = owing.setdefault(settlement.buyer_id, Owed(settlement.buyer))
        entry.amount += settlement.buyer_outstanding
        entry.settlements.append(settlement)
        entry.oldest = min(entry.oldest or settlement.settle_on, settlement.settle_on)
        if settlement.due_on:
            entry.due = min(entry.due or settlement.due_on, settlement.due_on)
    return sorted(owing.values(), key=lambda e: (e.due or date.max, e.party.id))


@bp.route("/payments/owed")
@login_required
def owed():
    require(*payments.ACCOUNTANTS)
    households, buyers = owed_households(), owing_buyers()
    return render_template("settlement/owed.html", households=households, buyers=buyers, today=local_today(),
                           household_total=sum((e.amount for e in households), Decimal("0.00")),
                           buyer_total=sum((e.amount for e in buyers), Decimal("0.00")))


# --- payments ------------------------------------------------------------------------------------

@bp.route("/payments/")
@login_required
def list_payments():
    require(*payments.ACCOUNTANTS)
    kind = request.args.get("kind") or "all"
    statement = select(Payment).options(selectinload(Payment.household), selectinload(Payment.buyer),
                                        selectinload(Payment.voucher), selectinload(Payment.batch))
    if kind != "all":
        try:
            statement = statement.where(Payment.kind == PaymentKind(kind))
        except ValueError:
            raise NotFound() from None
    page = db.paginate(statement.order_by(Payment.id.desc()), page=request.args.get("page", 1, type=int),
                       per_page=PAGE_SIZE, error_out=False)
    batches = db.session.scalars(select(PaymentBatch).order_by(PaymentBatch.id.desc()).limit(5)).all()
    tabs = [("all", _("All"))] + [(k.value, label(k)) for k in PaymentKind]
    return render_template("settlement/payments.html", page=page, kind=kind, tabs=tabs, batches=batches,
                           unbooked=len(payments.unbooked_prepayments()))


@bp.route("/payments/<int:payment_id>")
@login_required
def show_payment(payment_id: int, void_form: VoidForm | None = None, status: int = 200):
    payment = payments.get(current_user, payment_id)
    return render_template("settlement/payment.html", payment=payment, void_form=void_form or VoidForm(),
                           capitals=amount_in_capitals(Money(payment.amount))), status


@bp.route("/payments/<int:payment_id>/void", methods=["POST"])
@login_required
def void_payment(payment_id: int):
    payment = payments.get(current_user, payment_id)
    form = VoidForm()
    if form.validate_on_submit():
        try:
            payments.void_payment(current_user, payment, form.reason.data)
        except MarketError as exc:
            db.session.rollback()
            place_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Payment %(number)s is void; what it paid is owed again.", number=payment.number), "success")
            return redirect(url_for("settlement.show_payment", payment_id=payment_id))
    return show_payment(payment_id, form, 422)


def _household_choices(owed_list: list[Owed]) -> list:
    rows: list[tuple] = [("", _("Choose the household"))]
    for entry in owed_list:
        household = entry.party
        rows.append((household.id, f"{household.head_name} · {household.village.name} · "
                                   + _("owed %(amount)s", amount=yuan(entry.amount)),
                     {"data-owed": f"{entry.amount:.2f}", "data-method": household.payout_method.value}))
    return options(rows)


def _record_once(form, make, again_text: str, done_text):
    """Record a payment from a validated form, once: a double submit (the same hidden key) finds the
    first payment. Returns the redirect to the payment, or the form's general errors."""
    key = form.idempotency_key.data
    again = already_used(key, Payment)
    try:
        payment = make(key)
    except MarketError as exc:
        return None, form_errors(form, exc)
    db.session.commit()
    flash(again_text if again else done_text(payment), "info" if again else "success")
    return redirect(url_for("settlement.show_payment", payment_id=payment.id)), []


@bp.route("/payments/pay", methods=["GET", "POST"])
@login_required
def pay_household():
    require(*payments.ACCOUNTANTS)
    owed_list = owed_households()
    by_id = {entry.party.id: entry for entry in owed_list}
    form = PayoutForm()
    form.household_id.choices = _household_choices(owed_list)
    general: list[str] = []
    if request.method == "GET":
        form.idempotency_key.data = new_key()
        form.paid_on.data = local_today().isoformat()
        entry = by_id.get(request.args.get("household_id", type=int))
        if entry is not None:
            form.household_id.data = entry.party.id
            form.amount.data = f"{entry.amount:.2f}"
            form.method.data = entry.party.payout_method.value
    elif form.validate_on_submit():
        household = db.session.get(Household, form.household_id.data)
        if household is None:
            form.household_id.errors.append(_("Choose the household to pay."))
        else:
            done, general = _record_once(
                form, lambda key: payments.pay_household(current_user, household, _payment_input(form),
                                                         idempotency_key=key),
                _("This payment was already recorded; it was not paid twice."),
                lambda payment: _("%(amount)s paid to %(name)s (%(number)s). Its voucher waits for review in the "
                                  "books.", amount=yuan(payment.amount), name=household.head_name,
                                  number=payment.number))
            if done is not None:
                return done
    chosen = by_id.get(form.household_id.data) if form.household_id.data else None
    status = 422 if request.method == "POST" else 200
    return render_template("settlement/pay.html", form=form, general=general, chosen=chosen,
                           nobody=not owed_list), status


def _buyer_choices(owing: list[Owed]) -> list:
    rows: list[tuple] = [("", _("Choose the buyer"))]
    for entry in owing:
        rows.append((entry.party.id, f"{entry.party.name} · " + _("outstanding %(amount)s", amount=yuan(entry.amount)),
                     {"data-owed": f"{entry.amount:.2f}"}))
    return options(rows)


@bp.route("/payments/receive", methods=["GET", "POST"])
@login_required
def receive():
    require(*payments.ACCOUNTANTS)
    owing = owing_buyers()
    by_id = {entry.party.id: entry for entry in owing}
    form = ReceiptForm()
    form.buyer_id.choices = _buyer_choices(owing)
    general: list[str] = []
    if request.method == "GET":
        form.idempotency_key.data = new_key()
        form.paid_on.data = local_today().isoformat()
        entry = by_id.get(request.args.get("buyer_id", type=int)) or (owing[0] if len(owing) == 1 else None)
        if entry is not None:
            form.buyer_id.data = entry.party.id
            form.amount.data = f"{entry.amount:.2f}"
    elif form.validate_on_submit():
        buyer = db.session.get(Buyer, form.buyer_id.data)
        if buyer is None:
            form.buyer_id.errors.append(_("Choose the buyer who paid."))
        else:
            done, general = _record_once(
                form, lambda key: payments.receive_from_buyer(current_user, buyer, _payment_input(form),
                                                              idempotency_key=key),
                _("This payment was already recorded; it was not counted twice."),
                lambda payment: _("%(amount)s received from %(name)s (%(number)s).", amount=yuan(payment.amount),
                                  name=buyer.name, number=payment.number))
            if done is not None:
                return done
    chosen = by_id.get(form.buyer_id.data) if form.buyer_id.data else None
    status = 422 if request.method == "POST" else 200
    return render_template("settlement/receive.html", form=form, general=general, chosen=chosen,
                           owing=owing), status


# --- batch payouts -------------------------------------------------------------------------------

@bp.route("/payments/batch", methods=["GET", "POST"])
@login_required
def new_payout_batch():
    require(*payments.ACCOUNTANTS)
    proposed = payments.proposed_batch()
    form = BatchForm()
    general: list[str] = []
    if request.method == "GET":
        form.idempotency_key.data = new_key()
        form.paid_on.data = local_today().isoformat()
        for household, amount in proposed:
            form.rows.append_entry({"household_id": str(household.id), "chosen": True, "amount": f"{amount:.2f}"})
    elif form.validate_on_submit():
        chosen = [row for row in form.rows if row.chosen.data]
        ids = [int(row.household_id.data) for row in chosen if (row.household_id.data or "").isdigit()]
        found = {h.id: h for h in db.session.scalars(select(Household).where(Household.id.in_(ids)))} if ids else {}
        amounts = [(found[int(row.household_id.data)], (row.amount.data or "").strip()) for row in chosen
                   if (row.household_id.data or "").isdigit() and int(row.household_id.data) in found]
        key = form.idempotency_key.data
        again = already_used(key, PaymentBatch)
        try:
            batch = payments.pay_batch(current_user, amounts, paid_on=form.paid_on.data, idempotency_key=key)
        except MarketError as exc:
            general = form_errors(form, exc)
        else:
            db.session.commit()
            if again:
                flash(_("This batch was already paid; nobody was paid twice."), "info")
            else:
                flash(_("Batch %(number)s: %(count)d households, %(total)s. Download the bank file and upload it to "
                        "the bank.", number=batch.number, count=batch.count, total=yuan(batch.total)), "success")
            return redirect(url_for("settlement.show_batch", batch_id=batch.id))
    owed_by_id = {household.id: (household, amount) for household, amount in proposed}
    missing = [int(row.household_id.data) for row in form.rows
               if (row.household_id.data or "").isdigit() and int(row.household_id.data) not in owed_by_id]
    for household in (db.session.scalars(select(Household).where(Household.id.in_(missing))) if missing else []):
        owed_by_id[household.id] = (household, payments.owed(household.id))
    rows = [(row, owed_by_id.get(int(row.household_id.data)) if (row.household_id.data or "").isdigit() else None)
            for row in form.rows]
    status = 422 if request.method == "POST" else 200
    return render_template("settlement/batch_new.html", form=form, rows=rows, general=general,
                           total=sum((amount for _, amount in proposed), Decimal("0.00"))), status


def _batch(batch_id: int) -> PaymentBatch:
    require(*payments.ACCOUNTANTS)
    batch = db.session.get(PaymentBatch, batch_id)
    if batch is None:
        raise NotFound()
    return batch


@bp.route("/payments/batches/<int:batch_id>")
@login_required
def show_batch(batch_id: int):
    return render_template("settlement/batch.html", batch=_batch(batch_id))


@bp.route("/payments/batches/<int:batch_id>/bank.csv")
@login_required
def bank_file(batch_id: int):
    batch = _batch(batch_id)
    body = payments.bank_file(current_user, batch)
    db.session.commit()  # the export is audited
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{batch.number}.csv"',
                             "Cache-Control": "no-store"})


# --- contract advances ----------------------------------------------------------------------------

def _prepayment_form(prepayment: ContractPrepayment, formdata=None) -> PrepaymentPayForm:
    form = PrepaymentPayForm(formdata=formdata, prefix=f"p{prepayment.id}")
    if formdata is None:
        form.idempotency_key.data = new_key()
        form.paid_on.data = prepayment.paid_on.isoformat()
        form.method.data = prepayment.contract.household.payout_method.value
    return form


def _render_prepayments(failed: ContractPrepayment | None = None, failed_form=None, general=None, status=200):
    rows = []
    for prepayment in payments.unbooked_prepayments():
        form = failed_form if failed is not None and prepayment.id == failed.id else _prepayment_form(prepayment)
        rows.append((prepayment, form))
    return render_template("settlement/prepayments.html", rows=rows, general=general or [],
                           failed_id=failed.id if failed is not None else None), status


@bp.route("/payments/prepayments")
@login_required
def prepayments():
    require(*payments.ACCOUNTANTS)
    return _render_prepayments()


@bp.route("/payments/prepayments/<int:prepayment_id>", methods=["POST"])
@login_required
def book_prepayment(prepayment_id: int):
    require(*payments.ACCOUNTANTS)
    prepayment = db.session.get(ContractPrepayment, prepayment_id)
    if prepayment is None:
        raise NotFound()
    form = _prepayment_form(prepayment, formdata=request.form)
    if not form.validate_on_submit():
        return _render_prepayments(prepayment, form, status=422)
    key = form.idempotency_key.data
    again = already_used(key, Payment)
    try:
        payment = payments.pay_prepayment(current_user, prepayment, _payment_input(form), idempotency_key=key)
    except MarketError as exc:
        general = form_errors(form, exc)
        return _render_prepayments(db.session.get(ContractPrepayment, prepayment_id), form, general, exc.status)
    db.session.commit()
    if again:
        flash(_("This payment was already recorded; it was not paid twice."), "info")
    else:
        flash(_("%(kind)s of %(amount)s to %(name)s booked (%(number)s).", kind=label(prepayment.kind),
                amount=yuan(payment.amount), name=payment.household.head_name, number=payment.number), "success")
    return redirect(url_for("settlement.prepayments"))
