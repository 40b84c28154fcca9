"""JSON API of field collection, shipments, certificates, receipts, trace codes and disclosures.

Slips against an allocation line are created here (``POST /allocations/<id>/slips``); they are
ordinary weigh slips, voided and re-issued through the weigh slip API.
"""
from __future__ import annotations

from flask_login import current_user

from models import RoleName, db

from ..api import Blueprint, creates, page_schema, paginate, roles_first
from ..errors import NotFound
from ..weighing import services as weighing
from . import certificates, collection, common, disclosure, labels, receipts, shipments, trace
from .schemas import (CertificateCreateSchema, CertificateSchema, ClosureSchema, CollectedSlipSchema,
                      CollectionSchema, CollectSlipCreateSchema, DisclosureSchema, LabelsSchema, ReasonSchema,
                      ReceiptCreateSchema, ReceiptSchema, RejectCreateSchema, RejectSchema, ShipmentCreateSchema,
                      ShipmentListArgsSchema, ShipmentSchema, ShortfallArgsSchema, SupplementaryRunSchema,
                      TraceSchema)

URL_PREFIX = ""
blp = Blueprint("fulfilment_api", __name__,
                description="Field collection, shipments (发货单), certificates (承诺达标合格证), "
                            "supermarket receipts (验收单), trace codes and public disclosures")


# --- collection -------------------------------------------------------------------------------------

@blp.route("/orders/<int:order_id>/collection")
@blp.response(200, CollectionSchema)
def get_collection(order_id):
    """Collected against allocated, per allocation line and in total, and the shortfall."""
    order = common.get_order(current_user, order_id)
    return collection.collection(current_user, order)


@blp.route("/allocations/<int:allocation_id>/slips", methods=["POST"])
@roles_first(*common.STAFF)
@creates
@blp.arguments(CollectSlipCreateSchema)
@blp.response(201, CollectedSlipSchema)
def create_collection_slip(body, allocation_id):
    """Weigh fruit of an allocation line (coordinators and admins; the caller is the weigher).
    The order's farm-gate price applies unless the household's contract is named."""
    line = collection.get_line(current_user, allocation_id)
    body["grade_split"] = [dict(part) for part in body["grade_split"]]
    return weighing.issue_slip(current_user, household_id=line.household_id, variety_id=line.run.order.variety_id,
                               allocation_id=line.id, price_unit="kg", **body)


@blp.route("/allocations/<int:allocation_id>/rejects", methods=["POST"])
@roles_first(*common.STAFF)
@creates
@blp.arguments(RejectCreateSchema)
@blp.response(201, RejectSchema)
def create_reject(body, allocation_id):
    """Record fruit of the line refused in the field (田间剔除); it is not bought."""
    line = collection.get_line(current_user, allocation_id)
    return collection.record_reject(current_user, line, **body)


@blp.route("/allocations/<int:allocation_id>/close", methods=["POST"])
@roles_first(*common.STAFF)
@blp.arguments(ReasonSchema)
@blp.response(200, ClosureSchema)
def close_line(body, allocation_id):
    """Finish a line the household cannot fill; its remainder becomes the order's shortfall."""
    line = collection.get_line(current_user, allocation_id)
    closure = collection.close_line(current_user, line, body["reason"])
    db.session.commit()
    return closure


@blp.route("/orders/<int:order_id>/shortfall-allocation", methods=["POST"])
@roles_first(*common.STAFF)
@creates
@blp.arguments(ShortfallArgsSchema)
@blp.response(201, SupplementaryRunSchema)
def reallocate_shortfall(body, order_id):
    """Run and confirm, in one step, a supplementary allocation for quantity − collected − still expected."""
    order = common.get_order(current_user, order_id)
    return collection.reallocate_shortfall(current_user, order, body["policy"])


# --- shipments -------------------------------------------------------------------------------------

@blp.route("/shipments")
@roles_first(*common.READERS, RoleName.BUYER)
@blp.arguments(ShipmentListArgsSchema, location="query")
@blp.response(200, page_schema(ShipmentSchema))
def list_shipments(args):
    """Shipments newest first; a buyer's staff see their own buyer's."""
    return paginate(shipments.shipments_statement(current_user, order_id=args["order_id"]), args)


@blp.route("/orders/<int:order_id>/shipments", methods=["POST"])
@roles_first(*common.STAFF)
@creates
@blp.arguments(ShipmentCreateSchema)
@blp.response(201, ShipmentSchema)
def create_shipment(body, order_id):
    """Load a truck: the order's weighed slips (all unshipped ones, or ``slip_ids``), crate labels. An order
    goes on one or more trucks, each received on its own; ``last`` (default true) marks its last truck, and
    the order becomes shipped. The warehouse's part of the order goes on its first truck."""
    order = common.get_order(current_user, order_id)
    return shipments.create_shipment(current_user, order, **body)


@blp.route("/orders/<int:order_id>/shipments/finish", methods=["POST"])
@roles_first(*common.STAFF)
@blp.response(200, ShipmentSchema)
def finish_shipping(order_id):
    """No more trucks: the order's latest truck becomes its last and the order is shipped (received, if every
    truck is). What was weighed for it and not loaded stays with the company, bought into stock."""
    order = common.get_order(current_user, order_id)
    shipment = shipments.finish_shipping(current_user, order)
    db.session.commit()
    return shipment


@blp.route("/shipments/<int:shipment_id>")
@blp.response(200, ShipmentSchema)
def get_shipment(shipment_id):
    return shipments.get_shipment(current_user, shipment_id)


@blp.route("/shipments/<int:shipment_id>/labels")
@blp.response(200, LabelsSchema)
def get_labels(shipment_id):
    """Every crate's trace code; each opens /t/<code>."""
    shipment = shipments.get_shipment(current_user, shipment_id)
    return {"shipment_id": shipment.id, "labels": labels.crate_labels(current_user, shipment)}


@blp.route("/shipments/<int:shipment_id>/certificate", methods=["POST"])
@roles_first(*common.STAFF)
@creates
@blp.arguments(CertificateCreateSchema)
@blp.response(201, CertificateSchema)
def issue_certificate(body, shipment_id):
    """Issue the shipment's 承诺达标合格证 (one per truck)."""
    shipment = shipments.get_shipment(current_user, shipment_id)
    return certificates.issue_certificate(current_user, shipment, **body)


@blp.route("/shipments/<int:shipment_id>/certificate")
@blp.response(200, CertificateSchema)
def get_certificate(shipment_id):
    shipment = shipments.get_shipment(current_user, shipment_id)
    if shipment.certificate is None:
        raise NotFound()
    return shipment.certificate


@blp.route("/shipments/<int:shipment_id>/receipt", methods=["POST"])
@roles_first(*common.STAFF, RoleName.BUYER)
@creates
@blp.arguments(ReceiptCreateSchema)
@blp.response(201, ReceiptSchema)
def record_receipt(body, shipment_id):
    """The supermarket's acceptance by the buyer's rules (the buyer's staff or a coordinator)."""
    shipment = shipments.get_shipment(current_user, shipment_id)
    return receipts.record_receipt(current_user, shipment, **body)


@blp.route("/shipments/<int:shipment_id>/receipt")
@blp.response(200, ReceiptSchema)
def get_receipt(shipment_id):
    shipment = shipments.get_shipment(current_user, shipment_id)
    if shipment.receipt is None:
        raise NotFound()
    return shipment.receipt


# --- trace and disclosure ---------------------------------------------------------------------------

@blp.route("/trace/<code>")
@blp.response(200, TraceSchema)
def get_trace(code):
    """What the public trace page /t/<code> shows for a crate, shipment or certificate code."""
    return trace.trace(code)


@blp.route("/disclosures/<number>")
@blp.response(200, DisclosureSchema)
def get_disclosure(number):
    """An order's public disclosure (村务公示): masked names, kg, grade, price, amount."""
    return disclosure.disclosure(number)
