"""The accountant's payment pages: who is still owed what, paying a household, recording what a
buyer paid, batch payouts with the bank's import file, booking the money paid out on contract
advances and deposits, the payments made and voiding one made in error. Every payment form
carries an idempotency key made when it is shown, so submitting it twice pays once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import (Buyer, ContractPrepayment, Household, Payment, PaymentBatch, PaymentKind, Settlement,
                    SettlementHousehold, SettlementKind, Supplier, db)

from ..clock import local_today
from ..errors import NotFound, ValidationFailed
from ..forms import new_key
from ..labels import label
from ..pages import PAGE_SIZE, already_used, require, submit, visible, voucher_url, yuan
from ..reference import payee_changes
from ..settlements.states import IN_BOOKS
from ..units import Money
from ..weighing.capitals import amount_in_capitals
from ..weighing.forms import options
from . import services
from .forms import BatchForm, PayoutForm, PrepaymentPayForm, ReceiptForm, SupplierPayForm, VoidForm

bp = Blueprint("payments", __name__)


@bp.context_processor
def _template_helpers() -> dict:
    return {"voucher_url": voucher_url}


def _payment_input(form) -> services.PaymentInput:
    """What a payment form says (a contract advance's amount is the contract's, so its form has none)."""
    amount = form.amount.data if "amount" in form else None
    supporting = form.supporting_doc.data if "supporting_doc" in form else ""
    return services.PaymentInput(amount=amount, method=form.method.data, paid_on=form.paid_on.data,
                                 reference=form.reference.data or "", signer=form.signer.data or "",
                                 supporting_doc=supporting or "", note=form.note.data or "")


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
        .where(Settlement.status.in_(IN_BOOKS), SettlementHousehold.paid < SettlementHousehold.net + SettlementHousehold.adjusted)
        .options(selectinload(SettlementHousehold.household).selectinload(Household.village),
                 selectinload(SettlementHousehold.settlement)))
    owed: dict[int, Owed] = {}
    for line in rows:
        entry = owed.setdefault(line.household_id, Owed(line.household))
        entry.amount += line.owed
        entry.settlements.append(line.settlement)
        day = line.settlement.settle_on
        entry.oldest = min(entry.oldest or day, day)
    return sorted(owed.values(), key=lambda e: (-e.amount, e.party.id))


def owing_buyers() -> list[Owed]:
    """Buyers with receivables on posted settlements, the earliest due first."""
    rows = db.session.scalars(
        select(Settlement).where(Settlement.kind == SettlementKind.ORDER, Settlement.status.in_(IN_BOOKS),
                                 Settlement.buyer_received < Settlement.buyer_total + Settlement.buyer_adjusted)
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
    require(*services.ACCOUNTANTS)
    households, buyers = owed_households(), owing_buyers()
    return render_template("payments/owed.html", households=households, buyers=buyers, today=local_today(),
                           household_total=sum((e.amount for e in households), Decimal("0.00")),
                           buyer_total=sum((e.amount for e in buyers), Decimal("0.00")))


# --- payments ------------------------------------------------------------------------------------

@bp.route("/payments/")
@login_required
def list_payments():
    require(*services.ACCOUNTANTS)
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
    return render_template("payments/list.html", page=page, kind=kind, tabs=tabs, batches=batches,
                           unbooked=len(services.unbooked_prepayments()))


@bp.route("/payments/<int:payment_id>")
@login_required
def show_payment(payment_id: int, void_form: VoidForm | None = None, status: int = 200):
    payment = services.get(current_user, payment_id)
    return render_template("payments/detail.html", payment=payment, void_form=void_form or VoidForm(),
                           capitals=amount_in_capitals(Money(payment.amount))), status


@bp.route("/payments/<int:payment_id>/void", methods=["POST"])
@login_required
def void_payment(payment_id: int):
    payment = services.get(current_user, payment_id)
    form = VoidForm()
    outcome = submit(form, lambda: services.void_payment(current_user, payment, form.reason.data),
                     done=lambda _voided: _("Payment %(number)s is void; what it paid is owed again.",
                                            number=payment.number),
                     then=url_for("payments.show_payment", payment_id=payment_id))
    return outcome.response or show_payment(payment_id, form, outcome.status)


def _household_choices(owed_list: list[Owed]) -> list:
    rows: list[tuple] = [("", _("Choose the household"))]
    for entry in owed_list:
        household = entry.party
        rows.append((household.id, f"{household.head_name} · {household.village.name} · "
                                   + _("owed %(amount)s", amount=yuan(entry.amount)),
                     {"data-owed": f"{entry.amount:.2f}", "data-method": household.payout_method.value}))
    return options(rows)


def _chosen(model, field, text: str):
    """The party a form's picker names, or the refusal that says to choose one."""
    party = db.session.get(model, field.data)
    if party is None:
        raise ValidationFailed(text, field=field.name)
    return party


def _record_once(form, make, again_text: str, done_text):
    """Record a payment from the form, once: a double submit (the same hidden key) finds the first
    payment, and says so. ``make(key)`` records it; what the submission came to is returned."""
    key = form.idempotency_key.data
    again = request.method == "POST" and already_used(key, Payment)
    return submit(form, lambda: make(key),
                  done=lambda payment: (again_text, "info") if again else done_text(payment),
                  then=lambda payment: url_for("payments.show_payment", payment_id=payment.id), only=visible(form))


@bp.route("/payments/pay", methods=["GET", "POST"])
@login_required
def pay_household():
    require(*services.ACCOUNTANTS)
    owed_list = owed_households()
    by_id = {entry.party.id: entry for entry in owed_list}
    form = PayoutForm()
    form.household_id.choices = _household_choices(owed_list)
    if request.method == "GET":
        form.idempotency_key.data = new_key()
        form.paid_on.data = local_today().isoformat()
        entry = by_id.get(request.args.get("household_id", type=int))
        if entry is not None:
            form.household_id.data = entry.party.id
            form.amount.data = f"{entry.amount:.2f}"
            form.method.data = entry.party.payout_method.value

    def pay(key):
        household = _chosen(Household, form.household_id, _("Choose the household to pay."))
        return services.pay_household(current_user, household, _payment_input(form), idempotency_key=key)

    outcome = _record_once(
        form, pay, _("This payment was already recorded; it was not paid twice."),
        lambda payment: _("%(amount)s paid to %(name)s (%(number)s). Its voucher waits for review in the books.",
                          amount=yuan(payment.amount), name=payment.household.head_name, number=payment.number))
    if outcome.response:
        return outcome.response
    chosen = by_id.get(form.household_id.data) if form.household_id.data else None
    return render_template("payments/pay.html", form=form, chosen=chosen,
                           recently=payee_changes.changed_recently, flag_days=payee_changes.flag_days(),
                           nobody=not owed_list), outcome.status


def _owed_choices(entries: list[Owed], prompt: str, amount_text) -> list:
    """A party picker: each party with what is outstanding (``data-owed`` pre-fills the amount)."""
    rows: list[tuple] = [("", prompt)]
    for entry in entries:
        rows.append((entry.party.id, f"{entry.party.name} · " + amount_text(yuan(entry.amount)),
                     {"data-owed": f"{entry.amount:.2f}"}))
    return options(rows)


def _start(form, field, entries: list[Owed], by_id: dict) -> None:
    """A new payment form: a fresh key, today, and the party asked for (or the only one) with its amount."""
    form.idempotency_key.data = new_key()
    form.paid_on.data = local_today().isoformat()
    entry = by_id.get(request.args.get(field.name, type=int)) or (entries[0] if len(entries) == 1 else None)
    if entry is not None:
        field.data = entry.party.id
        form.amount.data = f"{entry.amount:.2f}"


@bp.route("/payments/receive", methods=["GET", "POST"])
@login_required
def receive():
    require(*services.ACCOUNTANTS)
    owing = owing_buyers()
    by_id = {entry.party.id: entry for entry in owing}
    form = ReceiptForm()
    form.buyer_id.choices = _owed_choices(owing, _("Choose the buyer"),
                                          lambda amount: _("outstanding %(amount)s", amount=amount))
    if request.method == "GET":
        _start(form, form.buyer_id, owing, by_id)

    def receive_from(key):
        buyer = _chosen(Buyer, form.buyer_id, _("Choose the buyer who paid."))
        return services.receive_from_buyer(current_user, buyer, _payment_input(form), idempotency_key=key)

    outcome = _record_once(
        form, receive_from, _("This payment was already recorded; it was not counted twice."),
        lambda payment: _("%(amount)s received from %(name)s (%(number)s).", amount=yuan(payment.amount),
                          name=payment.buyer.name, number=payment.number))
    if outcome.response:
        return outcome.response
    chosen = by_id.get(form.buyer_id.data) if form.buyer_id.data else None
    return render_template("payments/receive.html", form=form, chosen=chosen, owing=owing), outcome.status


# --- suppliers -----------------------------------------------------------------------------------

def owed_suppliers() -> list[Owed]:
    """Carriers and suppliers still owed something (2202 by supplier, less payments not yet posted)."""
    owed_list = []
    for supplier in db.session.scalars(select(Supplier).order_by(Supplier.name, Supplier.id)):
        amount = services.supplier_owed(supplier.id)
        if amount > 0:
            owed_list.append(Owed(supplier, amount))
    return owed_list


@bp.route("/payments/suppliers", methods=["GET", "POST"])
@login_required
def pay_supplier():
    require(*services.ACCOUNTANTS)
    owed_list = owed_suppliers()
    by_id = {entry.party.id: entry for entry in owed_list}
    form = SupplierPayForm()
    form.supplier_id.choices = _owed_choices(owed_list, _("Choose the supplier"),
                                             lambda amount: _("owed %(amount)s", amount=amount))
    if request.method == "GET":
        _start(form, form.supplier_id, owed_list, by_id)

    def pay(key):
        supplier = _chosen(Supplier, form.supplier_id, _("Choose the supplier to pay."))
        return services.pay_supplier(current_user, supplier, _payment_input(form), idempotency_key=key)

    outcome = _record_once(
        form, pay, _("This payment was already recorded; it was not paid twice."),
        lambda payment: _("%(amount)s paid to %(name)s (%(number)s). Its voucher waits for review in the books.",
                          amount=yuan(payment.amount), name=payment.supplier.name, number=payment.number))
    return outcome.response or (
        render_template("payments/suppliers.html", form=form, owed_list=owed_list), outcome.status)


# --- batch payouts -------------------------------------------------------------------------------

@bp.route("/payments/batch", methods=["GET", "POST"])
@login_required
def new_payout_batch():
    require(*services.ACCOUNTANTS)
    proposed = services.proposed_batch()
    form = BatchForm()
    if request.method == "GET":
        form.idempotency_key.data = new_key()
        form.paid_on.data = local_today().isoformat()
        for household, amount in proposed:
            form.rows.append_entry({"household_id": str(household.id), "chosen": True, "amount": f"{amount:.2f}"})
    key = form.idempotency_key.data
    again = request.method == "POST" and already_used(key, PaymentBatch)

    def pay():
        chosen = [row for row in form.rows if row.chosen.data]
        ids = [int(row.household_id.data) for row in chosen if (row.household_id.data or "").isdigit()]
        found = {h.id: h for h in db.session.scalars(select(Household).where(Household.id.in_(ids)))} if ids else {}
        amounts = [(found[int(row.household_id.data)], (row.amount.data or "").strip()) for row in chosen
                   if (row.household_id.data or "").isdigit() and int(row.household_id.data) in found]
        return services.pay_batch(current_user, amounts, paid_on=form.paid_on.data, idempotency_key=key)

    outcome = submit(
        form, pay,
        done=lambda batch: (_("This batch was already paid; nobody was paid twice."), "info") if again
        else _("Batch %(number)s: %(count)d households, %(total)s. Download the bank file and upload it to the bank.",
               number=batch.number, count=batch.count, total=yuan(batch.total)),
        then=lambda batch: url_for("payments.show_batch", batch_id=batch.id), only=visible(form))
    if outcome.response:
        return outcome.response
    owed_by_id = {household.id: (household, amount) for household, amount in proposed}
    missing = [int(row.household_id.data) for row in form.rows
               if (row.household_id.data or "").isdigit() and int(row.household_id.data) not in owed_by_id]
    for household in (db.session.scalars(select(Household).where(Household.id.in_(missing))) if missing else []):
        owed_by_id[household.id] = (household, services.owed(household.id))
    rows = [(row, owed_by_id.get(int(row.household_id.data)) if (row.household_id.data or "").isdigit() else None)
            for row in form.rows]
    return render_template("payments/batch_new.html", form=form, rows=rows,
                           recently=payee_changes.changed_recently, flag_days=payee_changes.flag_days(),
                           total=sum((amount for _, amount in proposed), Decimal("0.00"))), outcome.status


def _batch(batch_id: int) -> PaymentBatch:
    require(*services.ACCOUNTANTS)
    batch = db.session.get(PaymentBatch, batch_id)
    if batch is None:
        raise NotFound()
    return batch


@bp.route("/payments/batches/<int:batch_id>")
@login_required
def show_batch(batch_id: int):
    return render_template("payments/batch.html", batch=_batch(batch_id))


@bp.route("/payments/batches/<int:batch_id>/bank.csv")
@login_required
def bank_file(batch_id: int):
    batch = _batch(batch_id)
    body = services.bank_file(current_user, batch)
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


def _render_prepayments(failed: ContractPrepayment | None = None, failed_form=None, status=200):
    rows = []
    for prepayment in services.unbooked_prepayments():
        form = failed_form if failed is not None and prepayment.id == failed.id else _prepayment_form(prepayment)
        rows.append((prepayment, form))
    return render_template("payments/prepayments.html", rows=rows, failed_form=failed_form,
                           failed_id=failed.id if failed is not None else None), status


@bp.route("/payments/prepayments")
@login_required
def prepayments():
    require(*services.ACCOUNTANTS)
    return _render_prepayments()


@bp.route("/payments/prepayments/<int:prepayment_id>", methods=["POST"])
@login_required
def book_prepayment(prepayment_id: int):
    require(*services.ACCOUNTANTS)
    prepayment = db.session.get(ContractPrepayment, prepayment_id)
    if prepayment is None:
        raise NotFound()
    form = _prepayment_form(prepayment, formdata=request.form)
    key = form.idempotency_key.data
    again = already_used(key, Payment)
    outcome = submit(
        form, lambda: services.pay_prepayment(current_user, prepayment, _payment_input(form), idempotency_key=key),
        done=lambda payment: (_("This payment was already recorded; it was not paid twice."), "info") if again
        else _("%(kind)s of %(amount)s to %(name)s booked (%(number)s).", kind=label(prepayment.kind),
               amount=yuan(payment.amount), name=payment.household.head_name, number=payment.number),
        then=url_for("payments.prepayments"), only=visible(form))
    if outcome.refusal:
        prepayment = db.session.get(ContractPrepayment, prepayment_id)
    return outcome.response or _render_prepayments(prepayment, form, outcome.status)
