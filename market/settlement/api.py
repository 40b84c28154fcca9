"""JSON API of settlements (三方结算单), purchase invoices (农产品收购发票) and payments (收付款).

A settlement goes draft → submitted → approved (by an accountant other than its preparer) →
posted (its vouchers and purchase invoices written, all or none) → paid. Payments carry the
request's ``Idempotency-Key`` as their own key: a retry returns the original payment, the key
with another body is refused with 409, and a payment without a key is refused. Farm supplies
given on credit (农资赊销, ``/input-credits``) are recorded the same way and recovered by the
household's next settlements.
"""
from __future__ import annotations

from typing import Any

from flask import Response
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import (Buyer, BuyerOrder, ContractPrepayment, Household, Payment, PaymentBatch,
                    PurchaseInvoice, Receipt, Settlement, SettlementHousehold, SettlementKind, db)

from ..api import Blueprint, creates, idempotency_key, key_used, made, page_schema, paginate
from ..auth.permissions import require_household_access, require_role
from ..errors import NotFound, ValidationFailed
from . import payments, services
from .schemas import (PaymentBatchCreateSchema, PaymentBatchSchema, BuyerReceiptCreateSchema, SettlementEnteredSchema, PurchaseInvoiceListArgsSchema,
                      PurchaseInvoiceSchema, HouseholdOwedSchema, PaymentListArgsSchema, PaymentSchema, PayoutCreateSchema,
                      PrepaymentPaymentCreateSchema, ReturnReasonSchema, SettleableOrderSchema, SettlementCreateSchema,
                      SettlementListArgsSchema, SettlementSchema, SettlementSummarySchema)

URL_PREFIX = ""
blp = Blueprint("settlement_api", __name__,
                description="Settlements (三方结算单) through review (审核) and posting (记账), purchase invoices "
                            "(农产品收购发票), household payouts, buyer receipts, batch payouts and what is owed")

KEY_NOTE = ("The request's Idempotency-Key is the payment's key and is required: the same key and body "
            "return the original payment, the key with another body is refused with 409.")


def _page_args(args: dict) -> dict:
    return {"page": args.pop("page", 1), "per_page": args.pop("per_page", None)}


# --- settlements ---------------------------------------------------------------------------------

@blp.route("/settlements")
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
    receipts = {r.order_id: r for r in db.session.scalars(
        select(Receipt).where(Receipt.order_id.in_([order.id for order in orders])))} if orders else {}
    for order in orders:
        order._receipt = receipts.get(order.id)
    return orders


@blp.route("/settlements", methods=["POST"])
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
    return services.get(current_user, settlement_id)


def _recompute(body: dict, settlement_id: int):
    settlement = services.get(current_user, settlement_id)
    values: dict[str, Any] = {"settle_on": settlement.settle_on, "logistics": settlement.logistics,
                              "packing": settlement.packing, "buyer_deductions": settlement.buyer_deductions,
                              "vat_rate_pct": settlement.vat_rate_pct, "note": settlement.note}
    values.update(body)  # what is not sent stays as it was
    services.recompute(current_user, settlement, **values)
    db.session.commit()
    return settlement


@blp.route("/settlements/<int:settlement_id>", methods=["PATCH"])
@blp.arguments(SettlementEnteredSchema)
@blp.response(200, SettlementSchema)
def update_settlement(body, settlement_id: int):
    """Change a draft's entered amounts and compute it again (fields not sent keep their values)."""
    return _recompute(body, settlement_id)


@blp.route("/settlements/<int:settlement_id>/recompute", methods=["POST"])
@blp.arguments(SettlementEnteredSchema)
@blp.response(200, SettlementSchema)
def recompute_settlement(body, settlement_id: int):
    """Compute a draft again, picking up new weighings and advances; fields sent change too."""
    return _recompute(body, settlement_id)


@blp.route("/settlements/<int:settlement_id>", methods=["DELETE"])
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
@blp.response(200, SettlementSchema)
def submit_settlement(settlement_id: int):
    """draft → submitted: ready for review."""
    return _step(settlement_id, services.submit)


@blp.route("/settlements/<int:settlement_id>/approve", methods=["POST"])
@blp.response(200, SettlementSchema)
@blp.alt_response(403, description="forbidden: the preparer cannot approve their own settlement")
def approve_settlement(settlement_id: int):
    """审核: submitted → approved, by an accountant other than the preparer; exactly once."""
    return _step(settlement_id, services.approve)


@blp.route("/settlements/<int:settlement_id>/return", methods=["POST"])
@blp.arguments(ReturnReasonSchema)
@blp.response(200, SettlementSchema)
def return_settlement(body, settlement_id: int):
    """退回: a submitted or approved settlement goes back to draft, with the reason."""
    return _step(settlement_id, services.return_to_draft, body["reason"])


@blp.route("/settlements/<int:settlement_id>/post", methods=["POST"])
@blp.response(200, SettlementSchema)
def post_settlement(settlement_id: int):
    """记账: approved → posted; writes the vouchers and purchase invoices, all or none; exactly once."""
    return _step(settlement_id, services.post)


# --- purchase invoices ------------------------------------------------------------------------------

@blp.route("/purchase-invoices")
@blp.arguments(PurchaseInvoiceListArgsSchema, location="query")
@blp.response(200, page_schema(PurchaseInvoiceSchema))
def list_invoices(args):
    """农产品收购发票, newest first."""
    require_role(current_user, *services.READERS)
    page = _page_args(args)
    statement = select(PurchaseInvoice).join(SettlementHousehold).order_by(PurchaseInvoice.id.desc())
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


# --- payments ---------------------------------------------------------------------------------------

def _party(model, party_id: int, field: str, message):
    party = db.session.get(model, party_id)
    if party is None:
        raise ValidationFailed(message, field=field)
    return party


def _details(body: dict) -> dict:
    return {name: body[name] for name in ("method", "paid_on", "reference", "signer", "supporting_doc", "note")}


@blp.route("/payments")
@blp.arguments(PaymentListArgsSchema, location="query")
@blp.response(200, page_schema(PaymentSchema))
def list_payments(args):
    """Payments, newest first. Accountants only."""
    require_role(current_user, *payments.ACCOUNTANTS)
    page = _page_args(args)
    statement = select(Payment).order_by(Payment.id.desc())
    for name in ("kind", "household_id", "buyer_id"):
        if args[name] is not None:
            statement = statement.where(getattr(Payment, name) == args[name])
    return paginate(statement, page)


@blp.route("/payments/<int:payment_id>")
@blp.response(200, PaymentSchema)
def get_payment(payment_id: int):
    return payments.get(current_user, payment_id)


@blp.route("/payments/<int:payment_id>/void", methods=["POST"])
@blp.arguments(ReturnReasonSchema)
@blp.response(200, PaymentSchema)
def void_payment(body, payment_id: int):
    """作废: a payment recorded in error is undone (never deleted): what it paid is owed again, a paid
    settlement goes back to posted, its voucher is rejected, or reversed in red for review if posted."""
    payment = payments.get(current_user, payment_id)
    payments.void_payment(current_user, payment, body["reason"])
    db.session.commit()
    return payment


@blp.route("/payments/household-payouts", methods=["POST"])
@creates
@blp.arguments(PayoutCreateSchema)
@blp.response(201, PaymentSchema)
@blp.alt_response(200, schema=PaymentSchema, description="the payment this key already made")
def create_payout(body):
    """付款: pay a household, never more than it is owed on posted settlements (applied oldest first).
    Cash needs ``signer``; above ¥50,000 needs ``supporting_doc``. Its voucher is prepared for review.
    The request's Idempotency-Key is the payment's key and is required."""
    require_role(current_user, *payments.ACCOUNTANTS)
    household = _party(Household, body["household_id"], "household_id", _l("This household does not exist."))
    key = idempotency_key()
    existed = key_used(Payment, key)
    payment = payments.pay_household(current_user, household,
                                     payments.PaymentInput(amount=body["amount"], **_details(body)),
                                     idempotency_key=key)
    return made(payment, existed)


@blp.route("/payments/buyer-receipts", methods=["POST"])
@creates
@blp.arguments(BuyerReceiptCreateSchema)
@blp.response(201, PaymentSchema)
@blp.alt_response(200, schema=PaymentSchema, description="the payment this key already made")
def create_buyer_receipt(body):
    """收款: the buyer pays; applied to its oldest receivables first, never beyond what it owes.
    The request's Idempotency-Key is the payment's key and is required."""
    require_role(current_user, *payments.ACCOUNTANTS)
    buyer = _party(Buyer, body["buyer_id"], "buyer_id", _l("This buyer does not exist."))
    key = idempotency_key()
    existed = key_used(Payment, key)
    payment = payments.receive_from_buyer(current_user, buyer,
                                          payments.PaymentInput(amount=body["amount"], **_details(body)),
                                          idempotency_key=key)
    return made(payment, existed)


@blp.route("/payments/batches", methods=["POST"])
@creates
@blp.arguments(PaymentBatchCreateSchema)
@blp.response(201, PaymentBatchSchema)
@blp.alt_response(200, schema=PaymentBatchSchema, description="the batch this key already made")
def create_batch(body):
    """批量代发: pay many households by bank in one go, all or none; then fetch its bank-import file.
    The request's Idempotency-Key is the batch's key and is required."""
    require_role(current_user, *payments.ACCOUNTANTS)
    amounts = []
    for line in body["payments"]:
        household = _party(Household, line["household_id"], "payments", _l("A household in the batch does not exist."))
        amounts.append((household, line["amount"]))
    key = idempotency_key()
    existed = key_used(PaymentBatch, key)
    batch = payments.pay_batch(current_user, amounts, paid_on=body["paid_on"], idempotency_key=key)
    return made(batch, existed)


def _batch(batch_id: int) -> PaymentBatch:
    require_role(current_user, *payments.ACCOUNTANTS)
    batch = db.session.get(PaymentBatch, batch_id)
    if batch is None:
        raise NotFound(_l("This batch does not exist."))
    return batch


@blp.route("/payments/batches/<int:batch_id>")
@blp.response(200, PaymentBatchSchema)
def get_batch(batch_id: int):
    return _batch(batch_id)


@blp.route("/payments/batches/<int:batch_id>/bank-file")
@blp.doc(responses={"200": {"description": "the bank's import file: CSV, UTF-8 with BOM (reading it is audited)",
                            "content": {"text/csv": {"schema": {"type": "string"}}}}})
def download_bank_file(batch_id: int):
    """The batch's bank-import file (full account numbers)."""
    batch = _batch(batch_id)
    text = payments.bank_file(current_user, batch)
    db.session.commit()  # the audit of the export
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{batch.number}.csv"'})


@blp.route("/prepayments/<int:prepayment_id>/payment", methods=["POST"])
@creates
@blp.arguments(PrepaymentPaymentCreateSchema)
@blp.response(201, PaymentSchema)
@blp.alt_response(200, schema=PaymentSchema, description="the payment this key already made")
def book_prepayment(body, prepayment_id: int):
    """预付: book the money paid out on a contract's advance or deposit (Dr 1123 / Cr bank), once.
    The request's Idempotency-Key is the payment's key and is required."""
    require_role(current_user, *payments.ACCOUNTANTS)
    prepayment = db.session.get(ContractPrepayment, prepayment_id)
    if prepayment is None:
        raise NotFound(_l("This prepayment does not exist."))
    key = idempotency_key()
    existed = key_used(Payment, key)
    payment = payments.pay_prepayment(current_user, prepayment,
                                      payments.PaymentInput(amount=prepayment.amount, **_details(body)),
                                      idempotency_key=key)
    return made(payment, existed)


@blp.route("/households/<int:household_id>/owed")
@blp.response(200, HouseholdOwedSchema)
def get_owed(household_id: int):
    """What a household is owed on posted settlements and its open lines, oldest first. Staff, and the
    household's own villagers."""
    require_household_access(current_user, household_id)
    household = services.household_of(household_id)
    return {"household_id": household.id, "household_name": household.head_name,
            "payout_method": household.payout_method, "owed": payments.owed(household.id),
            "open_lines": payments.open_lines(household.id)}
