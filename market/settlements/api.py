"""JSON API of settlements (三方结算单) and purchase invoices (农产品收购发票).

A settlement goes draft → submitted → approved (by an accountant other than its preparer) →
posted (its vouchers and purchase invoices written, all or none) → paid, once the payments
(``market.payments``) have paid every household.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import BuyerOrder, PurchaseInvoice, Settlement, SettlementHousehold, SettlementKind, db

from ..api import Blueprint, creates, page_schema, paginate, roles_first
from ..auth.permissions import require_role
from ..errors import NotFound, ValidationFailed
from . import services, suppliers
from .schemas import (PurchaseInvoiceListArgsSchema, PurchaseInvoiceSchema, ReturnReasonSchema, SettleableOrderSchema,
                      SettlementCreateSchema, SettlementEnteredSchema, SettlementListArgsSchema, SettlementSchema,
                      SettlementSummarySchema, SupplierCreateSchema, SupplierListArgsSchema, SupplierSchema)

URL_PREFIX = ""
blp = Blueprint("settlements_api", __name__,
                description="Settlements (三方结算单) through review (审核) and posting (记账), and their purchase "
                            "invoices (农产品收购发票)")

def _page_args(args: dict) -> dict:
    return {"page": args.pop("page", 1), "per_page": args.pop("per_page", None)}


# --- settlements ---------------------------------------------------------------------------------

@blp.route("/settlements")
@roles_first(*services.READERS)
@blp.arguments(SettlementListArgsSchema, location="query")
@blp.response(200, page_schema(SettlementSummarySchema))
def list_settlements(args):
    """Settlements, newest first (``status=submitted``: the ones waiting for review)."""
    page = _page_args(args)
    statement = services.listing(current_user, args["status"]).options(
        selectinload(Settlement.households), selectinload(Settlement.order), selectinload(Settlement.buyer),
        selectinload(Settlement.prepared_by))
    if args["kind"] is not None:
        statement = statement.where(Settlement.kind == args["kind"])
    if args["order_id"] is not None:
        statement = statement.where(Settlement.order_id == args["order_id"])
    if args["buyer_id"] is not None:
        statement = statement.where(Settlement.buyer_id == args["buyer_id"])
    return paginate(statement, page)


@blp.route("/settlements/settleable-orders")
@blp.response(200, SettleableOrderSchema(many=True))
def list_settleable_orders():
    """Orders with a supermarket receipt (验收单) and no settlement yet."""
    require_role(current_user, *services.READERS)
    orders = services.settleable_orders()
    receipts = services.received_of([order.id for order in orders])
    for order in orders:
        order._receipt = receipts.get(order.id)
    return orders


@blp.route("/settlements", methods=["POST"])
@roles_first(*services.PREPARERS)
@creates
@blp.arguments(SettlementCreateSchema)
@blp.response(201, SettlementSchema)
def create_settlement(body):
    """制单: a draft settlement of a received order (``kind=order``, ``order_id``) or of the contract
    deliveries weighed between ``start`` and ``end`` (``kind=contract_batch``). Accountants and
    coordinators."""
    require_role(current_user, *services.PREPARERS)
    kind, order_id = body.pop("kind"), body.pop("order_id")
    start, end = body.pop("start"), body.pop("end")
    if kind is SettlementKind.ORDER:
        if order_id is None:
            raise ValidationFailed(_l("Choose the order to settle."), field="order_id")
        order = db.session.get(BuyerOrder, order_id)
        if order is None:
            raise ValidationFailed(_l("This order does not exist."), field="order_id")
        return services.prepare_order_settlement(current_user, order, **body)
    return services.prepare_contract_batch(current_user, start=start, end=end, **body)


@blp.route("/settlements/<int:settlement_id>")
@blp.response(200, SettlementSchema)
def get_settlement(settlement_id: int):
    """The whole 三方结算单: the buyer's part, each household's part with its deliveries and
    deductions, the company's part, how they reconcile, the vouchers posted and the purchase invoices."""
    return services.get(current_user, settlement_id, whole=True)


def _recompute(body: dict, settlement_id: int):
    settlement = services.get(current_user, settlement_id)
    values: dict[str, Any] = {"settle_on": settlement.settle_on, "logistics": settlement.logistics,
                              "packing": settlement.packing, "buyer_deductions": settlement.buyer_deductions,
                              "vat_rate_pct": settlement.vat_rate_pct, "note": settlement.note,
                              "logistics_invoice_no": settlement.logistics_invoice_no,
                              "logistics_vat_rate_pct": settlement.logistics_vat_rate_pct,
                              "packing_invoice_no": settlement.packing_invoice_no,
                              "packing_vat_rate_pct": settlement.packing_vat_rate_pct,
                              "logistics_supplier_id": settlement.logistics_supplier_id,
                              "packing_supplier_id": settlement.packing_supplier_id}
    values.update(body)  # what is not sent stays as it was
    services.recompute(current_user, settlement, **values)
    db.session.commit()
    return settlement


@blp.route("/settlements/<int:settlement_id>", methods=["PATCH"])
@roles_first(*services.PREPARERS)
@blp.arguments(SettlementEnteredSchema)
@blp.response(200, SettlementSchema)
def update_settlement(body, settlement_id: int):
    """Change a draft's entered amounts and compute it again (fields not sent keep their values)."""
    return _recompute(body, settlement_id)


@blp.route("/settlements/<int:settlement_id>/recompute", methods=["POST"])
@roles_first(*services.PREPARERS)
@blp.arguments(SettlementEnteredSchema)
@blp.response(200, SettlementSchema)
def recompute_settlement(body, settlement_id: int):
    """Compute a draft again, picking up new weighings and advances; fields sent change too."""
    return _recompute(body, settlement_id)


@blp.route("/settlements/<int:settlement_id>", methods=["DELETE"])
@roles_first(*services.PREPARERS)
@blp.response(204)
def discard_settlement(settlement_id: int):
    """Discard a draft; its weigh slips are free to settle again."""
    services.discard(current_user, services.get(current_user, settlement_id))
    db.session.commit()


def _step(settlement_id: int, action, *args):
    settlement = services.get(current_user, settlement_id)
    action(current_user, settlement, *args)
    db.session.commit()
    return settlement


@blp.route("/settlements/<int:settlement_id>/submit", methods=["POST"])
@roles_first(*services.PREPARERS)
@blp.response(200, SettlementSchema)
def submit_settlement(settlement_id: int):
    """draft → submitted: ready for review."""
    return _step(settlement_id, services.submit)


@blp.route("/settlements/<int:settlement_id>/approve", methods=["POST"])
@roles_first(*services.ACCOUNTANTS)
@blp.response(200, SettlementSchema)
@blp.alt_response(403, description="forbidden: the preparer cannot approve their own settlement")
def approve_settlement(settlement_id: int):
    """审核: submitted → approved, by an accountant other than the preparer; exactly once."""
    return _step(settlement_id, services.approve)


@blp.route("/settlements/<int:settlement_id>/return", methods=["POST"])
@roles_first(*services.ACCOUNTANTS)
@blp.arguments(ReturnReasonSchema)
@blp.response(200, SettlementSchema)
def return_settlement(body, settlement_id: int):
    """退回: a submitted or approved settlement goes back to draft, with the reason."""
    return _step(settlement_id, services.return_to_draft, body["reason"])


@blp.route("/settlements/<int:settlement_id>/post", methods=["POST"])
@roles_first(*services.ACCOUNTANTS)
@blp.response(200, SettlementSchema)
def post_settlement(settlement_id: int):
    """记账: approved → posted; writes the vouchers and purchase invoices, all or none; exactly once."""
    return _step(settlement_id, services.post)


# --- purchase invoices ------------------------------------------------------------------------------

@blp.route("/purchase-invoices")
@roles_first(*services.READERS)
@blp.arguments(PurchaseInvoiceListArgsSchema, location="query")
@blp.response(200, page_schema(PurchaseInvoiceSchema))
def list_invoices(args):
    """农产品收购发票, newest first."""
    require_role(current_user, *services.READERS)
    page = _page_args(args)
    statement = (select(PurchaseInvoice).join(SettlementHousehold).order_by(PurchaseInvoice.id.desc())
                 .options(selectinload(PurchaseInvoice.line).selectinload(SettlementHousehold.settlement)))
    if args["settlement_id"] is not None:
        statement = statement.where(SettlementHousehold.settlement_id == args["settlement_id"])
    if args["household_id"] is not None:
        statement = statement.where(SettlementHousehold.household_id == args["household_id"])
    return paginate(statement, page)


@blp.route("/purchase-invoices/<int:invoice_id>")
@blp.response(200, PurchaseInvoiceSchema)
def get_invoice(invoice_id: int):
    require_role(current_user, *services.READERS)
    invoice = db.session.get(PurchaseInvoice, invoice_id)
    if invoice is None:
        raise NotFound(_l("This purchase invoice does not exist."))
    return invoice


# --- suppliers (供应商/承运商) -----------------------------------------------------------------------

@blp.route("/suppliers")
@roles_first(*suppliers.READERS)
@blp.arguments(SupplierListArgsSchema, location="query")
@blp.response(200, page_schema(SupplierSchema))
def list_suppliers(args):
    """Carriers and packing suppliers a settlement's costs may be owed to (2202 by supplier), by name.
    Accountants and coordinators; the bank account is masked for coordinators."""
    return paginate(suppliers.listing(current_user), _page_args(args))


@blp.route("/suppliers", methods=["POST"])
@roles_first(*suppliers.WRITERS)
@creates
@blp.arguments(SupplierCreateSchema)
@blp.response(201, SupplierSchema)
def create_supplier(body):
    """Record a carrier or packing supplier: name, optional 统一社会信用代码, bank account. Accountants."""
    return suppliers.create(current_user, body)
