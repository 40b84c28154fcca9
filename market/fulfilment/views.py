"""Pages of fulfilment: the coordinator's collection board per order, weighing and refusing fruit
of an allocation line, loading the truck, the printable loading note, crate labels and
承诺达标合格证, the supermarket's receipt; and two public pages: the trace page behind every
QR code (/t/<code>) and an order's public disclosure (村务公示)."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from models import CertificateBasis, RoleName, Shipment, SlipStatus, db

from ..clock import local_today, local_zone
from ..errors import MarketError, NotFound
from ..extensions import limiter
from ..pages import act, submit
from ..stock import services as stock
from ..weighing import services as weighing
from ..weighing.forms import options
from . import (certificates, codes, collection, common, disclosure as disclosures, labels as labelling, qr,
               receipts, shipments, trace as tracing)
from .forms import (CertificateForm, CloseForm, CollectSlipForm, FinishShippingForm, RejectForm, ReceiptForm, ShipmentForm,
                    ShortfallForm, TraceLookupForm)

bp = Blueprint("fulfilment", __name__)

PAGE_SIZE = 30
STEP_NAMES = {"picked": _l("Picked in the field"), "weighed": _l("Weighed"), "shipped": _l("Shipped"),
              "received": _l("Received by the supermarket")}
#: people trying codes one after another are slowed down; a shopper scanning a crate never notices
PUBLIC_LIMIT = "60 per minute"


def _is_staff() -> bool:
    return current_user.has_role(*common.STAFF)


def _local_now() -> datetime:
    return datetime.now(local_zone()).replace(second=0, microsecond=0, tzinfo=None)


def trace_url(code: str) -> str:
    return url_for("fulfilment.trace", code=code, _external=True)


# --- lists -----------------------------------------------------------------------------------------

@bp.route("/fulfilment/")
@login_required
def index():
    if current_user.has_role(*common.READERS):
        page = db.paginate(collection.fulfilment_orders(current_user), page=request.args.get("page", 1, type=int),
                           per_page=PAGE_SIZE, error_out=False)
        boards = [collection.collection(current_user, order, with_slips=False) for order in page.items]
        return render_template("fulfilment/index.html", page=page, boards=boards, can_collect=_is_staff())
    if current_user.has_role(RoleName.BUYER):
        page = db.paginate(shipments.shipments_statement(current_user), page=request.args.get("page", 1, type=int),
                           per_page=PAGE_SIZE, error_out=False)
        return render_template("fulfilment/shipments.html", page=page)
    abort(403)


# --- field collection ---------------------------------------------------------------------------------

@bp.route("/fulfilment/orders/<int:order_id>")
@login_required
def show_order(order_id: int):
    order = common.get_order(current_user, order_id)
    board = collection.collection(current_user, order)
    trucks = db.session.scalars(select(Shipment).where(Shipment.order_id == order.id)
                                .order_by(Shipment.departed_at, Shipment.id)).all()
    return render_template("fulfilment/order.html", order=order, board=board, trucks=trucks,
                           finish_form=FinishShippingForm(),
                           shortfall_form=ShortfallForm(), can_collect=_is_staff(),
                           collecting=order.status in common.COLLECTING,
                           from_stock=stock.stock_lines(order.id))


def _grade_rows(order):
    """The grades the order buys, best first, each with its farm-gate price."""
    return sorted(order.prices, key=lambda p: p.grade.rank)


def _contract_choices(line):
    contracts = [c for c in weighing.deliverable_contracts(line.household_id) if c.variety_id == line.run.order.variety_id]
    return options([("", _("No contract: the order's farm-gate price"))] + [
        (c.id, f"{c.number} · {c.variety.name}") for c in contracts])


@bp.route("/fulfilment/allocations/<int:allocation_id>/weigh", methods=["GET", "POST"])
@login_required
def weigh(allocation_id: int):
    line = collection.get_line(current_user, allocation_id)
    order = line.run.order
    prices = _grade_rows(order)
    form = CollectSlipForm()
    form.contract_id.choices = _contract_choices(line)
    if request.method == "GET":
        form.weighed_at.data = _local_now()
        for price in prices:
            form.grades.append_entry({"grade_id": str(price.grade_id), "amount": ""})

    def issue():
        rows = [{"grade_id": row.grade_id.data, "amount": row.amount.data}
                for row in form.grades if (row.amount.data or "").strip()]
        return weighing.issue_slip(
            current_user, household_id=line.household_id, variety_id=order.variety_id, allocation_id=line.id,
            contract_id=form.contract_id.data, weighed_at=form.weighed_at.data, plate=form.plate.data,
            crates=form.crates.data or 0, unit=form.unit.data, gross=form.gross.data, tare=form.tare.data,
            deduction_kind=form.deduction_kind.data, deduction_value=form.deduction_value.data,
            split_mode="kg", grade_split=rows, note=form.note.data)

    outcome = submit(form, issue, done=lambda slip: _("Slip %(serial)s confirmed.", serial=slip.serial),
                     then=url_for("fulfilment.show_order", order_id=line.order_id))
    names = {str(p.grade_id): p for p in prices}
    return outcome.response or (
        render_template("fulfilment/weigh.html", form=form, line=line, order=line.run.order,
                        progress=collection.line_progress(line), prices=names), outcome.status)


@bp.route("/fulfilment/allocations/<int:allocation_id>/reject", methods=["GET", "POST"])
@login_required
def reject(allocation_id: int):
    line = collection.get_line(current_user, allocation_id)
    form = RejectForm()
    slips = [s for s in common.order_slips(line.run.order)
             if s.allocation_id == line.id and s.status is SlipStatus.CONFIRMED]
    form.slip_id.choices = options([("", _("Not at a weighing"))] + [(s.id, s.serial) for s in slips])
    outcome = submit(form, lambda: collection.record_reject(current_user, line, quantity=form.quantity.data,
                                                             unit=form.unit.data, reason=form.reason.data,
                                                             slip_id=form.slip_id.data),
                     done=_("Field reject recorded."), then=url_for("fulfilment.show_order", order_id=line.order_id))
    return outcome.response or (
        render_template("fulfilment/line_action.html", form=form, line=line,
                        progress=collection.line_progress(line), action="reject"), outcome.status)


@bp.route("/fulfilment/allocations/<int:allocation_id>/close", methods=["GET", "POST"])
@login_required
def close(allocation_id: int):
    line = collection.get_line(current_user, allocation_id)
    form = CloseForm()
    outcome = submit(form, lambda: collection.close_line(current_user, line, form.reason.data),
                     done=_("The line is closed; what it left short counts in the shortfall."),
                     then=url_for("fulfilment.show_order", order_id=line.order_id))
    return outcome.response or (
        render_template("fulfilment/line_action.html", form=form, line=line,
                        progress=collection.line_progress(line), action="close"), outcome.status)


@bp.route("/fulfilment/orders/<int:order_id>/shortfall", methods=["POST"])
@login_required
def shortfall(order_id: int):
    order = common.get_order(current_user, order_id)
    form = ShortfallForm()
    if not form.validate_on_submit():
        flash(_("Choose the fair or the optimal allocation."), "error")
        return redirect(url_for("fulfilment.show_order", order_id=order_id))
    return act(lambda: collection.reallocate_shortfall(current_user, order, form.policy.data),
               done=lambda run: _("%(kg)s 公斤 more allocated to %(n)d households.",
                                  kg=f"{run.filled_kg.normalize():f}",
                                  n=len({line.household_id for line in run.lines})),
               then=url_for("fulfilment.show_order", order_id=order_id))


# --- shipment -------------------------------------------------------------------------------------

@bp.route("/fulfilment/orders/<int:order_id>/ship", methods=["GET", "POST"])
@login_required
def ship(order_id: int):
    order = common.get_order(current_user, order_id)
    if not _is_staff():
        abort(403)
    board = collection.collection(current_user, order)
    form = ShipmentForm()
    form.slip_ids.choices = options([(s.id, s.serial) for s in board.unshipped_slips])
    if request.method == "GET":
        form.departed_at.data = _local_now()
        form.slip_ids.data = [s.id for s in board.unshipped_slips]
    outcome = submit(
        form, lambda: shipments.create_shipment(
            current_user, order, plate=form.plate.data, driver_name=form.driver_name.data,
            driver_phone=form.driver_phone.data, temperature=form.temperature.data,
            departed_at=form.departed_at.data, slip_ids=form.slip_ids.data or [], note=form.note.data,
            last=form.last.data != "no"),
        done=lambda shipment: _("Shipment %(number)s has left. Print the loading note and the crate labels.",
                                number=shipment.number),
        then=lambda shipment: url_for("fulfilment.show_shipment", shipment_id=shipment.id))
    if outcome.response:
        return outcome.response
    if outcome.refusal:
        board = collection.collection(current_user, order)
    return render_template("fulfilment/ship.html", form=form, order=order, board=board), outcome.status


@bp.route("/fulfilment/orders/<int:order_id>/finish-shipping", methods=["POST"])
@login_required
def finish_shipping(order_id: int):
    """No more trucks: the latest truck was the order's last."""
    order = common.get_order(current_user, order_id)
    if not _is_staff():
        abort(403)
    if not FinishShippingForm().validate_on_submit():
        abort(400)
    try:
        shipment = shipments.finish_shipping(current_user, order)
    except MarketError as exc:
        db.session.rollback()
        flash(exc.text(), "error")
    else:
        db.session.commit()
        flash(_("Shipment %(number)s was the order's last truck; the order is shipped.", number=shipment.number),
              "success")
    return redirect(url_for("fulfilment.show_order", order_id=order.id))


@bp.route("/fulfilment/shipments/<int:shipment_id>")
@login_required
def show_shipment(shipment_id: int):
    shipment = shipments.get_shipment(current_user, shipment_id)
    return render_template("fulfilment/shipment.html", shipment=shipment, net_kg=shipments.shipment_net_kg(shipment),
                           can_collect=_is_staff(), can_receive=receipts.may_record_receipt(current_user, shipment.order),
                           show_names=current_user.has_role(*common.READERS), trace_url=trace_url(shipment.code))


@bp.route("/fulfilment/shipments/<int:shipment_id>/loading-note")
@login_required
def loading_note(shipment_id: int):
    """发货单 / 装车单: always in Chinese, A4 or a phone."""
    shipment = shipments.get_shipment(current_user, shipment_id)
    with force_locale("zh_CN"):
        return render_template("fulfilment/loading_note.html", shipment=shipment,
                               net_kg=shipments.shipment_net_kg(shipment),
                               show_names=current_user.has_role(*common.READERS),
                               qr_svg=qr.svg(trace_url(shipment.code), title=shipment.code))


@bp.route("/fulfilment/shipments/<int:shipment_id>/labels")
@login_required
def labels(shipment_id: int):
    """An A4 sheet of crate labels, one QR each."""
    shipment = shipments.get_shipment(current_user, shipment_id)
    rows = [(label, qr.svg(trace_url(label.code), title=label.code))
            for label in labelling.crate_labels(current_user, shipment)]
    with force_locale("zh_CN"):
        return render_template("fulfilment/labels.html", shipment=shipment, rows=rows)


@bp.route("/fulfilment/shipments/<int:shipment_id>/certificate", methods=["GET", "POST"])
@login_required
def certificate(shipment_id: int):
    shipment = shipments.get_shipment(current_user, shipment_id)
    if shipment.certificate is not None:
        with force_locale("zh_CN"):
            return render_template("fulfilment/certificate.html", certificate=shipment.certificate,
                                   bases=list(CertificateBasis), show_names=current_user.has_role(*common.READERS),
                                   qr_svg=qr.svg(trace_url(shipment.certificate.code),
                                                 title=shipment.certificate.code))
    if not _is_staff():
        abort(404)
    form = CertificateForm()
    if request.method == "GET":
        form.issued_on.data = local_today()

    def issue():
        parents = []
        for row in (form.parents.data or "").splitlines():
            parts = row.strip().split(None, 1)
            if parts:
                parents.append({"reference": parts[0], "issuer": parts[1] if len(parts) > 1 else ""})
        return certificates.issue_certificate(current_user, shipment, basis=form.basis.data,
                                              basis_note=form.basis_note.data, issued_on=form.issued_on.data,
                                              parents=parents)

    outcome = submit(form, issue, done=lambda issued: _("Certificate %(number)s issued.", number=issued.number),
                     then=url_for("fulfilment.certificate", shipment_id=shipment_id))
    return outcome.response or (
        render_template("fulfilment/certificate_form.html", form=form, shipment=shipment,
                        net_kg=shipments.shipment_net_kg(shipment)), outcome.status)


@bp.route("/fulfilment/shipments/<int:shipment_id>/receipt", methods=["GET", "POST"])
@login_required
def receipt(shipment_id: int):
    shipment = shipments.get_shipment(current_user, shipment_id)
    if shipment.receipt is not None:
        return redirect(url_for("fulfilment.show_shipment", shipment_id=shipment_id))
    if not receipts.may_record_receipt(current_user, shipment.order):
        abort(403)
    form = ReceiptForm()
    if request.method == "GET":
        form.received_at.data = _local_now()
    outcome = submit(
        form, lambda: receipts.record_receipt(
            current_user, shipment, received=form.received.data, unit=form.unit.data,
            defect_pct=form.defect_pct.data, received_at=form.received_at.data,
            supplier_signer=form.supplier_signer.data, clerk_signer=form.clerk_signer.data,
            supervisor_signer=form.supervisor_signer.data, note=form.note.data,
            over_loaded_reason=form.over_loaded_reason.data or ""),
        done=_("Receipt recorded."), then=url_for("fulfilment.show_shipment", shipment_id=shipment_id))
    return outcome.response or (
        render_template("fulfilment/receipt_form.html", form=form, shipment=shipment,
                        net_kg=receipts.loaded_kg(shipment), buyer=shipment.order.buyer), outcome.status)


# --- public pages -----------------------------------------------------------------------------------

@bp.route("/t/")
@limiter.limit(PUBLIC_LIMIT)
def trace_lookup():
    """Type the code printed under a QR."""
    form = TraceLookupForm(request.args)
    if request.args.get("code") and form.validate():
        return redirect(url_for("fulfilment.trace", code=codes.normalise(form.code.data)))
    return render_template("fulfilment/trace_lookup.html", form=form)


@bp.route("/t/<code>")
@limiter.limit(PUBLIC_LIMIT)
def trace(code: str):
    """What a crate, a loading note or a certificate's QR opens. No login, no personal data."""
    try:
        found = tracing.trace(code)
    except NotFound as exc:
        return render_template("fulfilment/trace_missing.html", message=exc.text(), form=TraceLookupForm()), 404
    return render_template("fulfilment/trace.html", trace=found, step_names=STEP_NAMES)


@bp.route("/public/orders/<number>")
@limiter.limit(PUBLIC_LIMIT)
def disclosure(number: str):
    """村务公示: who sold how much at what price into the order, names masked. Printable."""
    try:
        record = disclosures.disclosure(number)
    except NotFound as exc:
        return render_template("errors/error.html", status=404, message=exc.text()), 404
    return render_template("fulfilment/disclosure.html", record=record)

