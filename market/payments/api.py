"""JSON API of payments (收付款): household payouts, buyer receipts, batch payouts with the bank's
import file, booking the money paid out on contract advances and deposits, what a household is
still owed, and voiding a payment made in error.

Payments carry the request's ``Idempotency-Key`` as their own key: a retry returns the original
payment, the key with another body is refused with 409, and a payment without a key is refused.
"""
from __future__ import annotations

from flask import Response
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import (Buyer, ContractPrepayment, Household, Payment, PaymentApplication, PaymentBatch, SettlementHousehold,
                    Supplier, Voucher, db)

from ..api import Blueprint, creates, idempotency_key, key_used, made, page_schema, paginate, roles_first
from ..auth.permissions import require_household_access, require_role
from ..errors import NotFound, ValidationFailed
from ..settlements.schemas import ReturnReasonSchema
from . import services
from .schemas import (BuyerReceiptCreateSchema, HouseholdOwedSchema, PaymentBatchCreateSchema, PaymentBatchSchema,
                      PaymentListArgsSchema, PaymentSchema, PayoutCreateSchema, PrepaymentPaymentCreateSchema,
                      SupplierPayoutCreateSchema)

URL_PREFIX = ""
blp = Blueprint("payments_api", __name__,
                description="Household payouts, buyer receipts, batch payouts, booked contract advances and what "
                            "is owed")

KEY_NOTE = ("The request's Idempotency-Key is the payment's key and is required: the same key and body "
            "return the original payment, the key with another body is refused with 409.")


def _page_args(args: dict) -> dict:
    return {"page": args.pop("page", 1), "per_page": args.pop("per_page", None)}


def _party(model, party_id: int, field: str, message):
    party = db.session.get(model, party_id)
    if party is None:
        raise ValidationFailed(message, field=field)
    return party


def _details(body: dict) -> dict:
    return {name: body[name] for name in ("method", "paid_on", "reference", "signer", "supporting_doc", "note")}


#: what a listed payment shows, loaded for the whole page at once
PAYMENT_LOADS = (selectinload(Payment.household), selectinload(Payment.buyer), selectinload(Payment.supplier),
                 selectinload(Payment.created_by), selectinload(Payment.voucher).selectinload(Voucher.period),
                 selectinload(Payment.applications).selectinload(PaymentApplication.settlement),
                 selectinload(Payment.applications).selectinload(PaymentApplication.line)
                 .selectinload(SettlementHousehold.settlement))


@blp.route("/payments")
@roles_first(*services.ACCOUNTANTS)
@blp.arguments(PaymentListArgsSchema, location="query")
@blp.response(200, page_schema(PaymentSchema))
def list_payments(args):
    """Payments, newest first. Accountants only."""
    require_role(current_user, *services.ACCOUNTANTS)
    page = _page_args(args)
    statement = select(Payment).order_by(Payment.id.desc()).options(*PAYMENT_LOADS)
    for name in ("kind", "household_id", "buyer_id", "supplier_id"):
        if args[name] is not None:
            statement = statement.where(getattr(Payment, name) == args[name])
    return paginate(statement, page)


@blp.route("/payments/<int:payment_id>")
@blp.response(200, PaymentSchema)
def get_payment(payment_id: int):
    return services.get(current_user, payment_id)


@blp.route("/payments/<int:payment_id>/void", methods=["POST"])
@roles_first(*services.ACCOUNTANTS)
@blp.arguments(ReturnReasonSchema)
@blp.response(200, PaymentSchema)
def void_payment(body, payment_id: int):
    """作废: a payment recorded in error is undone (never deleted): what it paid is owed again, a paid
    settlement goes back to posted, its voucher is rejected, or reversed in red for review if posted."""
    payment = services.get(current_user, payment_id)
    services.void_payment(current_user, payment, body["reason"])
    db.session.commit()
    return payment


@blp.route("/payments/household-payouts", methods=["POST"])
@roles_first(*services.ACCOUNTANTS)
@creates
@blp.arguments(PayoutCreateSchema)
@blp.response(201, PaymentSchema)
@blp.alt_response(200, schema=PaymentSchema, description="the payment this key already made")
def create_payout(body):
    """付款: pay a household, never more than it is owed on posted settlements (applied oldest first).
    Cash needs ``signer``; above ¥50,000 needs ``supporting_doc``. Its voucher is prepared for review.
    The request's Idempotency-Key is the payment's key and is required."""
    require_role(current_user, *services.ACCOUNTANTS)
    household = _party(Household, body["household_id"], "household_id", _l("This household does not exist."))
    key = idempotency_key()
    existed = key_used(Payment, key)
    payment = services.pay_household(current_user, household,
                                     services.PaymentInput(amount=body["amount"], **_details(body)),
                                     idempotency_key=key)
    return made(payment, existed)


@blp.route("/payments/buyer-receipts", methods=["POST"])
@roles_first(*services.ACCOUNTANTS)
@creates
@blp.arguments(BuyerReceiptCreateSchema)
@blp.response(201, PaymentSchema)
@blp.alt_response(200, schema=PaymentSchema, description="the payment this key already made")
def create_buyer_receipt(body):
    """收款: the buyer pays; applied to its oldest receivables first, never beyond what it owes.
    The request's Idempotency-Key is the payment's key and is required."""
    require_role(current_user, *services.ACCOUNTANTS)
    buyer = _party(Buyer, body["buyer_id"], "buyer_id", _l("This buyer does not exist."))
    key = idempotency_key()
    existed = key_used(Payment, key)
    payment = services.receive_from_buyer(current_user, buyer,
                                          services.PaymentInput(amount=body["amount"], **_details(body)),
                                          idempotency_key=key)
    return made(payment, existed)


@blp.route("/payments/supplier-payouts", methods=["POST"])
@roles_first(*services.ACCOUNTANTS)
@creates
@blp.arguments(SupplierPayoutCreateSchema)
@blp.response(201, PaymentSchema)
@blp.alt_response(200, schema=PaymentSchema, description="the payment this key already made")
def create_supplier_payout(body):
    """付款: pay a carrier or supplier (Dr 2202 by supplier / Cr 1002, 1012 or 1001), never more than it is
    owed: its 2202 balance on posted vouchers less payments not yet posted. Cash needs ``signer``. Its
    voucher is prepared for review. The request's Idempotency-Key is the payment's key and is required."""
    require_role(current_user, *services.ACCOUNTANTS)
    supplier = _party(Supplier, body["supplier_id"], "supplier_id", _l("This supplier does not exist."))
    key = idempotency_key()
    existed = key_used(Payment, key)
    payment = services.pay_supplier(current_user, supplier,
                                    services.PaymentInput(amount=body["amount"], **_details(body)),
                                    idempotency_key=key)
    return made(payment, existed)


@blp.route("/payments/batches", methods=["POST"])
@roles_first(*services.ACCOUNTANTS)
@creates
@blp.arguments(PaymentBatchCreateSchema)
@blp.response(201, PaymentBatchSchema)
@blp.alt_response(200, schema=PaymentBatchSchema, description="the batch this key already made")
def create_batch(body):
    """批量代发: pay many households by bank in one go, all or none; then fetch its bank-import file.
    The request's Idempotency-Key is the batch's key and is required."""
    require_role(current_user, *services.ACCOUNTANTS)
    amounts = []
    for line in body["payments"]:
        household = _party(Household, line["household_id"], "payments", _l("A household in the batch does not exist."))
        amounts.append((household, line["amount"]))
    key = idempotency_key()
    existed = key_used(PaymentBatch, key)
    batch = services.pay_batch(current_user, amounts, paid_on=body["paid_on"], idempotency_key=key)
    return made(batch, existed)


def _batch(batch_id: int) -> PaymentBatch:
    require_role(current_user, *services.ACCOUNTANTS)
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
    text = services.bank_file(current_user, batch)
    db.session.commit()  # the audit of the export
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{batch.number}.csv"'})


@blp.route("/prepayments/<int:prepayment_id>/payment", methods=["POST"])
@roles_first(*services.ACCOUNTANTS)
@creates
@blp.arguments(PrepaymentPaymentCreateSchema)
@blp.response(201, PaymentSchema)
@blp.alt_response(200, schema=PaymentSchema, description="the payment this key already made")
def book_prepayment(body, prepayment_id: int):
    """预付: book the money paid out on a contract's advance or deposit (Dr 1123 / Cr bank), once.
    The request's Idempotency-Key is the payment's key and is required."""
    require_role(current_user, *services.ACCOUNTANTS)
    prepayment = db.session.get(ContractPrepayment, prepayment_id)
    if prepayment is None:
        raise NotFound(_l("This prepayment does not exist."))
    key = idempotency_key()
    existed = key_used(Payment, key)
    payment = services.pay_prepayment(current_user, prepayment,
                                      services.PaymentInput(amount=prepayment.amount, **_details(body)),
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
            "payout_method": household.payout_method, "owed": services.owed(household.id),
            "open_lines": services.open_lines(household.id)}
