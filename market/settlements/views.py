"""Pages of settlements: the list with a tab per status (waiting for review first for
accountants), preparing an order's three-way settlement or a batch of contract deliveries, the
三方结算单 with its review steps, vouchers, purchase invoices and the payments applied to it, and
their printable forms.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import joinedload, selectinload

from models import (BuyerOrder, Household, PaymentApplication, PurchaseInvoice, Settlement, SettlementHousehold,
                    SettlementKind, SettlementStatus, User, Variety, Voucher, VoucherLine, VoucherSource, WeighSlip, db,
                    settlement_slips)

from ..clock import local_today
from ..errors import NotFound, ValidationFailed
from ..labels import label
from ..listing import list_page
from ..pages import PAGE_SIZE, act, require, submit, visible, voucher_url
from ..stock import services as stock
from ..units import Money
from ..weighing.capitals import amount_in_capitals
from ..weighing.forms import options
from . import computing, profit, services
from .schemas import contribution_of
from . import suppliers
from .forms import AmountsForm, BatchSettlementForm, OrderSettlementForm, ReturnForm
from .states import IN_BOOKS

bp = Blueprint("settlements", __name__)

#: the tabs of the list, in the order an accountant works through them
TABS = (SettlementStatus.SUBMITTED, SettlementStatus.DRAFT, SettlementStatus.APPROVED, SettlementStatus.POSTED,
        SettlementStatus.PAID, SettlementStatus.REVERSED)
COMPANY = "空港浓香园"


# --- helpers -------------------------------------------------------------------------------------

@bp.context_processor
def _template_helpers() -> dict:
    return {"voucher_url": voucher_url, "SettlementStatus": SettlementStatus, "SettlementKind": SettlementKind}


def _is_accountant() -> bool:
    return current_user.has_role(*services.ACCOUNTANTS)


def _can_prepare() -> bool:
    return current_user.has_role(*services.PREPARERS)


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
    return render_template("settlements/list.html", page=page, tab=tab, tabs=tabs, households=households,
                           can_prepare=_can_prepare())


# --- preparing -----------------------------------------------------------------------------------

def _order_choices(orders: list[BuyerOrder]) -> list:
    receipts = services.received_of([o.id for o in orders])
    rows = [("", _("Choose the order"))]
    for order in orders:
        receipt = receipts.get(order.id)
        accepted = (" · " + _("accepted %(kg)s kg", kg=f"{receipt.accepted_kg.normalize():f}")) if receipt else ""
        rows.append((order.id, f"{order.number} · {order.buyer.name} · {order.variety.name}{accepted}"))
    return options(rows)


def _entered(form) -> dict[str, Any]:
    return {"settle_on": form.settle_on.data, "logistics": form.logistics.data, "packing": form.packing.data,
            "buyer_deductions": form.buyer_deductions.data, "vat_rate_pct": form.vat_rate_pct.data,
            "note": form.note.data or "",
            **{name: getattr(form, name).data for name in ("logistics_invoice_no", "logistics_vat_rate_pct",
                                                            "packing_invoice_no", "packing_vat_rate_pct",
                                                            "logistics_supplier_id", "packing_supplier_id")}}


def _prepared(settlement) -> str:
    return _("Settlement %(number)s prepared as a draft. Check it, then submit it for review.",
             number=settlement.number)


def _shown(settlement) -> str:
    return url_for("settlements.show_settlement", settlement_id=settlement.id)


@bp.route("/settlements/new", methods=["GET", "POST"])
@login_required
def new_settlement():
    require(*services.PREPARERS)
    orders = services.settleable_orders()
    form = _with_suppliers(OrderSettlementForm())
    form.order_id.choices = _order_choices(orders)
    if request.method == "GET":
        form.settle_on.data = local_today().isoformat()
        form.vat_rate_pct.data = f"{computing.vat_rate_pct().normalize():f}"
        wanted = request.args.get("order_id", type=int)
        if wanted in {o.id for o in orders}:
            form.order_id.data = wanted

    def prepare():
        order = db.session.get(BuyerOrder, form.order_id.data)
        if order is None:
            raise ValidationFailed(_("Choose the order to settle."), field="order_id")
        return services.prepare_order_settlement(current_user, order, **_entered(form))

    outcome = submit(form, prepare, done=_prepared, then=_shown, only=visible(form))
    return outcome.response or (render_template("settlements/new.html", form=form, orders=orders), outcome.status)


@bp.route("/settlements/new-batch", methods=["GET", "POST"])
@login_required
def new_batch_settlement():
    require(*services.PREPARERS)
    form = BatchSettlementForm()
    waiting = db.session.scalars(services.unsettled_contract_slips()).all()
    if request.method == "GET":
        form.settle_on.data = local_today().isoformat()
        form.vat_rate_pct.data = f"{computing.vat_rate_pct().normalize():f}"
    outcome = submit(form, lambda: services.prepare_contract_batch(
        current_user, start=form.start.data, end=form.end.data, settle_on=form.settle_on.data,
        vat_rate_pct=form.vat_rate_pct.data, note=form.note.data or ""),
        done=_prepared, then=_shown, only=visible(form))
    return outcome.response or (
        render_template("settlements/new_batch.html", form=form, waiting=waiting), outcome.status)


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
    #: price corrections posted since (调整单)
    adjusted: Decimal = Decimal(0)

    @property
    def owed(self) -> Decimal:
        return self.net + self.adjusted - self.paid


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
        totals.adjusted += line.adjusted
        totals.carried_over += line.carried_over
    return totals


def _vouchers(settlement: Settlement) -> list[Voucher]:
    return list(db.session.scalars(select(Voucher).options(selectinload(Voucher.lines).selectinload(VoucherLine.account),
                                                           selectinload(Voucher.period))
                                   .where(Voucher.source == VoucherSource.SETTLEMENT,
                                          Voucher.source_id == settlement.id).order_by(Voucher.id)))


def _invoices(settlement: Settlement) -> list[PurchaseInvoice]:
    """The purchase invoices of its lines (one at most each), by number: those loaded with the whole
    settlement when it was, else asked for at once rather than line by line."""
    lines = settlement.households
    if any("invoice" in inspect(line).unloaded for line in lines):
        return list(db.session.scalars(select(PurchaseInvoice).join(SettlementHousehold)
                                       .where(SettlementHousehold.settlement_id == settlement.id)
                                       .order_by(PurchaseInvoice.number)))
    return sorted((line.invoice for line in lines if line.invoice is not None), key=lambda invoice: invoice.number)


def _product(settlement: Settlement) -> Variety | None:
    """The variety of its first weigh slip, without loading every slip for it."""
    return db.session.scalar(select(Variety).options(joinedload(Variety.product))
                             .join(WeighSlip, WeighSlip.variety_id == Variety.id)
                             .join(settlement_slips, settlement_slips.c.slip_id == WeighSlip.id)
                             .where(settlement_slips.c.settlement_id == settlement.id)
                             .order_by(WeighSlip.id).limit(1))


def _receipts(settlement: Settlement) -> list[PaymentApplication]:
    return list(db.session.scalars(select(PaymentApplication).where(PaymentApplication.settlement_id == settlement.id)
                                   .options(selectinload(PaymentApplication.payment))
                                   .order_by(PaymentApplication.id)))


def _with_suppliers(form):
    """The suppliers a cost may be owed to, as the form's choices (none: paid from the bank on the day)."""
    form.logistics_supplier_id.choices = form.packing_supplier_id.choices = suppliers.choices()
    return form


def _amounts_form_for(settlement: Settlement) -> AmountsForm:
    form = _with_suppliers(AmountsForm(formdata=None))
    form.settle_on.data = settlement.settle_on.isoformat()
    form.logistics.data = f"{settlement.logistics:.2f}"
    form.packing.data = f"{settlement.packing:.2f}"
    form.buyer_deductions.data = f"{settlement.buyer_deductions:.2f}"
    form.vat_rate_pct.data = f"{settlement.vat_rate_pct.normalize():f}"
    form.note.data = settlement.note
    for cost in ("logistics", "packing"):
        rate = getattr(settlement, f"{cost}_vat_rate_pct")
        getattr(form, f"{cost}_invoice_no").data = getattr(settlement, f"{cost}_invoice_no")
        getattr(form, f"{cost}_vat_rate_pct").data = f"{rate.normalize():f}" if rate is not None else ""
        getattr(form, f"{cost}_supplier_id").data = getattr(settlement, f"{cost}_supplier_id")
    return form


def _profit(settlement: Settlement):
    if settlement.kind is not SettlementKind.ORDER:
        return None
    try:
        return contribution_of(settlement)
    except profit.ProfitDoesNotTie:
        return None  # figures changed behind the services: verify says so; the page shows what it has


#: households shown per page on a settlement: the totals always cover all of them
HOUSEHOLDS_PAGE_SIZE = 15


def _load_groups(lines: list[SettlementHousehold]) -> None:
    """The village group (组) each shown household names, in one statement for the page rather than
    one per group as each row asks for it."""
    ids = [line.household_id for line in lines]
    if ids:
        db.session.scalars(select(Household).where(Household.id.in_(ids))
                           .options(selectinload(Household.group))).all()


def _load_named(settlement: Settlement) -> None:
    """What the page names besides its households (the order, the buyer, the trucks, who prepared,
    approved and posted it) in a few statements for the page, not one each where the page comes to it."""
    people = [joinedload(who).lazyload(User.roles)  # their names only: roles when someone asks
              for who in (Settlement.prepared_by, Settlement.approved_by, Settlement.posted_by)]
    db.session.scalars(select(Settlement).where(Settlement.id == settlement.id).options(
        joinedload(Settlement.order), joinedload(Settlement.buyer), selectinload(Settlement.shipments),
        *people)).all()


def _detail_context(settlement: Settlement) -> dict[str, Any]:
    accountant = _is_accountant()
    submitted = settlement.status is SettlementStatus.SUBMITTED
    prepared_it = settlement.prepared_by_id == current_user.id
    households = list_page(settlement.households, size=HOUSEHOLDS_PAGE_SIZE, matches=lambda line, query: (
        query in line.household.head_name or query in line.household.village.name))
    _load_groups(households.rows)
    _load_named(settlement)
    return dict(
        settlement=settlement, totals=household_totals(settlement), vouchers=_vouchers(settlement),
        households=households,
        profit=_profit(settlement),
        stock_lines=stock.stock_lines(settlement.order_id) if settlement.order_id else [],
        stock_moved=stock.settlement_movements(settlement),
        invoices=_invoices(settlement), receipts=_receipts(settlement),
        product=_product(settlement),
        draft=settlement.status is SettlementStatus.DRAFT, can_prepare=_can_prepare(), accountant=accountant,
        can_approve=accountant and submitted and not prepared_it, own_settlement=accountant and submitted and prepared_it,
        can_return=accountant and settlement.status in (SettlementStatus.SUBMITTED, SettlementStatus.APPROVED),
        can_post=accountant and settlement.status is SettlementStatus.APPROVED,
        can_pay=accountant and settlement.status is SettlementStatus.POSTED,
        in_books=settlement.status in IN_BOOKS,
    )


def _render_detail(settlement: Settlement, *, amounts_form=None, return_form=None, status=200):
    return render_template(
        "settlements/detail.html", amounts_form=amounts_form or _amounts_form_for(settlement),
        return_form=return_form or ReturnForm(formdata=None), **_detail_context(settlement)), status


@bp.route("/settlements/<int:settlement_id>")
@login_required
def show_settlement(settlement_id: int):
    return _render_detail(services.get(current_user, settlement_id, whole=True))


@bp.route("/settlements/<int:settlement_id>/recompute", methods=["POST"])
@login_required
def recompute(settlement_id: int):
    require(*services.PREPARERS)  # the role before the form: no one else learns what it lacks
    settlement = services.get(current_user, settlement_id)
    form = _with_suppliers(AmountsForm())

    def entered() -> dict[str, Any]:
        values = _entered(form)
        if settlement.kind is SettlementKind.CONTRACT_BATCH:
            values = {k: v for k, v in values.items() if k not in computing.ENTERED}
        return values

    outcome = submit(form, lambda: services.recompute(current_user, settlement, **entered()),
                     done=_("Computed again with the amounts entered."), then=_shown(settlement), only=visible(form))
    if outcome.refusal:  # shown as it is in the books again, with the amounts entered
        settlement = services.get(current_user, settlement_id)
    return outcome.response or _render_detail(settlement, amounts_form=form, status=outcome.status)


#: the review steps a button on the 三方结算单 takes, and who may take each
STEPS = {"submit": services.submit, "approve": services.approve, "post": services.post}
STEP_ROLES = {"submit": services.PREPARERS, "approve": services.ACCOUNTANTS, "post": services.ACCOUNTANTS}


@bp.route("/settlements/<int:settlement_id>/<any(submit, approve, post):step>", methods=["POST"])
@login_required
def move(settlement_id: int, step: str):
    require(*STEP_ROLES[step])
    settlement = services.get(current_user, settlement_id)
    done = {"submit": _("Submitted for review. Another accountant approves it."),
            "approve": _("Approved. It can be posted to the books now."),
            "post": _("Posted: its vouchers are in the books and its purchase invoices are issued.")}[step]
    return act(lambda: STEPS[step](current_user, settlement), done=done, then=_shown(settlement))


@bp.route("/settlements/<int:settlement_id>/return", methods=["POST"])
@login_required
def return_to_draft(settlement_id: int):
    require(*services.ACCOUNTANTS)
    settlement = services.get(current_user, settlement_id)
    form = ReturnForm()
    outcome = submit(form, lambda: services.return_to_draft(current_user, settlement, form.reason.data or ""),
                     done=_("Returned to its preparer as a draft."), then=_shown(settlement), only=visible(form))
    if outcome.refusal:
        settlement = services.get(current_user, settlement_id)
    return outcome.response or _render_detail(settlement, return_form=form, status=outcome.status)


@bp.route("/settlements/<int:settlement_id>/discard", methods=["POST"])
@login_required
def discard(settlement_id: int):
    require(*services.PREPARERS)
    settlement = services.get(current_user, settlement_id)
    done = _("Draft %(number)s discarded; its weighings can be settled again.", number=settlement.number)
    return act(lambda: services.discard(current_user, settlement), done=done,
               then=url_for("settlements.list_settlements", status="all"), back=_shown(settlement))


# --- printed -------------------------------------------------------------------------------------

@bp.route("/settlements/<int:settlement_id>/print")
@login_required
def print_settlement(settlement_id: int):
    """三方结算单 on A4, always in Chinese."""
    settlement = services.get(current_user, settlement_id, whole=True)
    with force_locale("zh_CN"):
        return render_template("settlements/print.html", company=COMPANY, **_detail_context(settlement))


def _invoice_pages(invoices: list[PurchaseInvoice]) -> list[dict[str, Any]]:
    return [{"invoice": invoice, "items": invoice.line.items,
             "capitals": amount_in_capitals(Money(invoice.amount))} for invoice in invoices]


@bp.route("/settlements/<int:settlement_id>/invoices/print")
@login_required
def print_invoices(settlement_id: int):
    """Every 农产品收购发票 of a settlement, one per page."""
    settlement = services.get(current_user, settlement_id, whole=True)
    with force_locale("zh_CN"):
        return render_template("settlements/invoice_print.html", company=COMPANY, settlement=settlement,
                               pages=_invoice_pages(_invoices(settlement)))


@bp.route("/settlements/invoices/<int:invoice_id>/print")
@login_required
def print_invoice(invoice_id: int):
    invoice = db.session.get(PurchaseInvoice, invoice_id)
    if invoice is None:
        raise NotFound()
    settlement = services.get(current_user, invoice.line.settlement_id)
    with force_locale("zh_CN"):
        return render_template("settlements/invoice_print.html", company=COMPANY, settlement=settlement,
                               pages=_invoice_pages([invoice]))
