"""JSON API of input credit (农资赊销): farm supplies given to a household on credit, recovered by
the household's next settlements after its advances. A credit carries the request's
``Idempotency-Key`` as its own key: a retry returns the original credit, the key with another
body is refused with 409, and a credit without a key is refused. A credit recorded in error is
voided.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Household, InputCredit, db

from ..api import Blueprint, creates, idempotency_key, key_used, made, page_schema, paginate, roles_first
from ..auth.permissions import require_role
from ..errors import ValidationFailed
from ..api.schemas import ReturnReasonSchema
from . import services
from .schemas import InputCreditCreateSchema, InputCreditListArgsSchema, InputCreditSchema

URL_PREFIX = ""
blp = Blueprint("input_credits_api", __name__,
                description="Farm supplies given to households on credit (农资赊销), recovered by their next "
                            "settlements")


def _page_args(args: dict) -> dict:
    return {"page": args.pop("page", 1), "per_page": args.pop("per_page", None)}


def _party(model, party_id: int, field: str, message):
    party = db.session.get(model, party_id)
    if party is None:
        raise ValidationFailed(message, field=field)
    return party


@blp.route("/input-credits")
@roles_first(*services.READERS)
@blp.arguments(InputCreditListArgsSchema, location="query")
@blp.response(200, page_schema(InputCreditSchema))
def list_input_credits(args):
    """Farm supplies given to households on credit (农资赊销), newest first. Staff."""
    page = _page_args(args)
    return paginate(services.listing(current_user, args["household_id"]), page)


@blp.route("/input-credits/<int:credit_id>")
@blp.response(200, InputCreditSchema)
def get_input_credit(credit_id: int):
    return services.get(current_user, credit_id)


@blp.route("/input-credits", methods=["POST"])
@roles_first(*services.RECORDERS)
@creates
@blp.arguments(InputCreditCreateSchema)
@blp.response(201, InputCreditSchema)
@blp.alt_response(200, schema=InputCreditSchema, description="the input credit this key already made")
def create_input_credit(body):
    """赊销农资: record supplies handed to a household on credit; its voucher (Dr 1221 其他应收款 /
    Cr 1002 银行存款) is prepared for review and the household's next settlements recover the amount,
    after its advances, never below zero. Coordinators and accountants. The request's Idempotency-Key
    is the input credit's key and is required."""
    require_role(current_user, *services.RECORDERS)
    household = _party(Household, body["household_id"], "household_id", _l("This household does not exist."))
    key = idempotency_key()
    existed = key_used(InputCredit, key)
    credit = services.record_input_credit(current_user, household, item=body["item"], amount=body["amount"],
                                          issued_on=body["issued_on"], note=body["note"], idempotency_key=key)
    return made(credit, existed)


@blp.route("/input-credits/<int:credit_id>/void", methods=["POST"])
@roles_first(*services.ACCOUNTANTS)
@blp.arguments(ReturnReasonSchema)
@blp.response(200, InputCreditSchema)
def void_input_credit(body, credit_id: int):
    """作废: an input credit recorded in error is undone (never deleted): no settlement takes it back any
    more, and its voucher is rejected, or reversed in red for review if posted. Refused (409) while a
    settlement already takes it back. Accountants."""
    credit = services.get(current_user, credit_id)
    services.void_input_credit(current_user, credit, body["reason"])
    db.session.commit()
    return credit
