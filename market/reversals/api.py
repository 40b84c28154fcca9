"""JSON API of settlement reversals (结算单冲销): an accountant asks for a posted settlement to be
reversed as a whole (``POST /settlements/<id>/reverse``), another accountant reviews it. A reversal
carries the request's ``Idempotency-Key`` as its own key (required): a retry returns the original,
the key with another body is refused with 409.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Settlement, SettlementReversal, db

from ..api import Blueprint, creates, idempotency_key, key_used, made, page_schema, paginate, roles_first
from ..api.schemas import ReturnReasonSchema
from ..errors import NotFound
from . import services
from .schemas import SettlementReversalCreateSchema, SettlementReversalListArgsSchema, SettlementReversalSchema

URL_PREFIX = ""
blp = Blueprint("reversals_api", __name__,
                description="Settlement reversals (结算单冲销): a posted settlement undone as a whole in red, "
                            "through review; its slips settle again in a corrected settlement")


@blp.route("/settlement-reversals")
@roles_first(*services.READERS)
@blp.arguments(SettlementReversalListArgsSchema, location="query")
@blp.response(200, page_schema(SettlementReversalSchema))
def list_reversals(args):
    """Reversals, newest first; by settlement or status (submitted = waiting for review). Staff."""
    page = {"page": args.pop("page", 1), "per_page": args.pop("per_page", None)}
    return paginate(services.listing(current_user, settlement_id=args["settlement_id"], status=args["status"]), page)


@blp.route("/settlement-reversals/<int:reversal_id>")
@roles_first(*services.READERS)
@blp.response(200, SettlementReversalSchema)
def get_reversal(reversal_id: int):
    return services.get(current_user, reversal_id)


@blp.route("/settlements/<int:settlement_id>/reverse", methods=["POST"])
@roles_first(*services.PREPARERS)
@creates
@blp.arguments(SettlementReversalCreateSchema)
@blp.response(201, SettlementReversalSchema)
@blp.alt_response(200, schema=SettlementReversalSchema, description="the reversal this key already made")
def reverse_settlement(body, settlement_id: int):
    """红字冲销: prepare the reversal of a posted settlement as a whole, with the reason, for review by another
    accountant. Refused (409) when the settlement is not posted, already has a reversal, an adjustment of
    it waits for review, or the date is in or before a closed period. Accountants."""
    settlement = db.session.get(Settlement, settlement_id)
    if settlement is None:
        raise NotFound(_l("This settlement does not exist."))
    key = idempotency_key()
    existed = key_used(SettlementReversal, key)
    reversal = services.prepare(current_user, settlement, reason=body["reason"], reverse_on=body["reverse_on"],
                                idempotency_key=key)
    return made(reversal, existed)


@blp.route("/settlement-reversals/<int:reversal_id>/approve", methods=["POST"])
@roles_first(*services.REVIEWERS)
@blp.response(200, SettlementReversalSchema)
def approve_reversal(reversal_id: int):
    """审核记账, by an accountant who did not prepare it: the red vouchers, invoices voided, stock returned,
    payments carried, slips released, the settlement reversed — all at once. Refused (409) once reviewed."""
    reversal = services.approve(current_user, services.get(current_user, reversal_id))
    db.session.commit()
    return reversal


@blp.route("/settlement-reversals/<int:reversal_id>/return", methods=["POST"])
@roles_first(*services.REVIEWERS)
@blp.arguments(ReturnReasonSchema)
@blp.response(200, SettlementReversalSchema)
def return_reversal(body, reversal_id: int):
    """退回: nothing is undone, with the reason."""
    reversal = services.return_reversal(current_user, services.get(current_user, reversal_id), body["reason"])
    db.session.commit()
    return reversal
