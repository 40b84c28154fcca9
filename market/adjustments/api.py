"""JSON API of adjustments (调整单): a buyer's sales allowance and a household's price correction after
a settlement is posted, each reviewed and posted by an accountant who did not prepare it. An
adjustment carries the request's ``Idempotency-Key`` as its own key (required): a retry returns the
original, the key with another body is refused with 409.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Adjustment, AdjustmentKind, Settlement, db

from ..api import Blueprint, creates, idempotency_key, key_used, made, page_schema, paginate, roles_first
from ..api.schemas import ReturnReasonSchema
from ..errors import ValidationFailed
from . import services
from .schemas import AdjustmentCreateSchema, AdjustmentListArgsSchema, AdjustmentSchema

URL_PREFIX = ""
blp = Blueprint("adjustments_api", __name__,
                description="Adjustments (调整单): sales allowances with a buyer and households' price corrections "
                            "after a settlement is posted, through review")


@blp.route("/adjustments")
@roles_first(*services.READERS)
@blp.arguments(AdjustmentListArgsSchema, location="query")
@blp.response(200, page_schema(AdjustmentSchema))
def list_adjustments(args):
    """Adjustments, newest first; by settlement or status (submitted = waiting for review). Staff."""
    page = {"page": args.pop("page", 1), "per_page": args.pop("per_page", None)}
    return paginate(services.listing(current_user, settlement_id=args["settlement_id"], status=args["status"]), page)


@blp.route("/adjustments/<int:adjustment_id>")
@roles_first(*services.READERS)
@blp.response(200, AdjustmentSchema)
def get_adjustment(adjustment_id: int):
    return services.get(current_user, adjustment_id)


@blp.route("/adjustments", methods=["POST"])
@roles_first(*services.PREPARERS)
@creates
@blp.arguments(AdjustmentCreateSchema)
@blp.response(201, AdjustmentSchema)
@blp.alt_response(200, schema=AdjustmentSchema, description="the adjustment this key already made")
def create_adjustment(body):
    """Prepare an adjustment of a posted supermarket-order settlement, for review. ``sales_allowance``:
    ``amount`` or ``per_kg`` off what the buyer owes (never more than it still owes), with a reason and
    the red VAT invoice's number if one was issued. ``price_correction``: ``item_id`` (a household's
    grade line) and ``new_price``. Accountants and coordinators."""
    settlement = db.session.get(Settlement, body["settlement_id"])
    if settlement is None:
        raise ValidationFailed(_l("This settlement does not exist."), field="settlement_id")
    key = idempotency_key()
    existed = key_used(Adjustment, key)
    common = {"reason": body["reason"], "adjusted_on": body["adjusted_on"], "idempotency_key": key}
    if body["kind"] == AdjustmentKind.SALES_ALLOWANCE.value:
        adjustment = services.prepare_allowance(current_user, settlement, amount=body["amount"],
                                                per_kg=body["per_kg"], invoice_number=body["invoice_number"],
                                                **common)
    else:
        adjustment = services.prepare_correction(current_user, settlement, item_id=body["item_id"],
                                                 new_price=body["new_price"], **common)
    return made(adjustment, existed)


@blp.route("/adjustments/<int:adjustment_id>/approve", methods=["POST"])
@roles_first(*services.REVIEWERS)
@blp.response(200, AdjustmentSchema)
def approve_adjustment(adjustment_id: int):
    """审核记账: approve and post at once, by an accountant who did not prepare it: its voucher, what the
    party owes or is owed, a correction's purchase invoice number. Refused (409) once reviewed."""
    adjustment = services.approve(current_user, services.get(current_user, adjustment_id))
    db.session.commit()
    return adjustment


@blp.route("/adjustments/<int:adjustment_id>/return", methods=["POST"])
@roles_first(*services.REVIEWERS)
@blp.arguments(ReturnReasonSchema)
@blp.response(200, AdjustmentSchema)
def return_adjustment(body, adjustment_id: int):
    """退回: not booked, with the reason; the preparer prepares a new one if it still stands."""
    adjustment = services.return_adjustment(current_user, services.get(current_user, adjustment_id), body["reason"])
    db.session.commit()
    return adjustment
