"""JSON API of deposits (定金): a terminated contract's deposit is closed once — paid back, kept by
the household, or paid back twice — and its voucher prepared for review; a closure recorded in
error is voided. A closure carries the request's ``Idempotency-Key`` as its own key: a retry
returns the original, the key with another body is refused with 409. A fulfilled contract's
deposit is set off by the household's next settlement instead.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import DepositClosure, PurchaseContract, db

from ..api import Blueprint, creates, idempotency_key, key_used, made, page_schema, paginate, roles_first
from ..auth.permissions import require_role
from ..errors import NotFound
from ..settlements.schemas import ReturnReasonSchema
from . import services
from .schemas import DepositClosureCreateSchema, DepositClosureListArgsSchema, DepositClosureSchema, DepositsSchema

URL_PREFIX = ""
blp = Blueprint("deposits_api", __name__,
                description="Deposits (定金) of terminated contracts: closed once (定金处理), voided when recorded "
                            "in error")


def _page_args(args: dict) -> dict:
    return {"page": args.pop("page", 1), "per_page": args.pop("per_page", None)}


@blp.route("/deposits")
@blp.response(200, DepositsSchema)
def open_deposits():
    """Terminated contracts whose deposit (定金) is still out. A fulfilled contract's deposit is set off
    by the household's next settlement instead. Accountants."""
    return {"open": services.open_deposits(current_user)}


@blp.route("/deposit-closures")
@roles_first(*services.READERS)
@blp.arguments(DepositClosureListArgsSchema, location="query")
@blp.response(200, page_schema(DepositClosureSchema))
def list_deposit_closures(args):
    """Deposits closed, newest first. Accountants."""
    page = _page_args(args)
    statement = services.listing(current_user)
    if args["household_id"] is not None:
        statement = statement.where(DepositClosure.household_id == args["household_id"])
    return paginate(statement, page)


@blp.route("/deposit-closures/<int:closure_id>")
@blp.response(200, DepositClosureSchema)
def get_deposit_closure(closure_id: int):
    return services.get(current_user, closure_id)


@blp.route("/deposit-closures/<int:closure_id>/void", methods=["POST"])
@roles_first(*services.ACCOUNTANTS)
@blp.arguments(ReturnReasonSchema)
@blp.response(200, DepositClosureSchema)
def void_deposit_closure(body, closure_id: int):
    """作废: a deposit closure recorded in error is undone (never deleted): its voucher is rejected, or
    reversed in red for review if posted, and the deposit is open to be closed again. Accountants."""
    closure = services.get(current_user, closure_id)
    services.void_closure(current_user, closure, body["reason"])
    db.session.commit()
    return closure


@blp.route("/contracts/<int:contract_id>/deposit-closure", methods=["POST"])
@roles_first(*services.ACCOUNTANTS)
@creates
@blp.arguments(DepositClosureCreateSchema)
@blp.response(201, DepositClosureSchema)
@blp.alt_response(200, schema=DepositClosureSchema, description="the closure this key already made")
def close_deposit(body, contract_id: int):
    """定金处理: record how a terminated contract's deposit ends — returned (Dr cash / Cr 1123), forfeited
    by the company (Dr 5711 营业外支出 / Cr 1123) or paid back twice by the household (Dr cash / Cr 1123,
    Cr 5301 营业外收入) — once per contract; its voucher is prepared for review. Accountants. The
    request's Idempotency-Key is the closure's key and is required."""
    require_role(current_user, *services.ACCOUNTANTS)
    contract = db.session.get(PurchaseContract, contract_id)
    if contract is None:
        raise NotFound(_l("This contract does not exist."))
    key = idempotency_key()
    existed = key_used(DepositClosure, key)
    closure = services.close_deposit(current_user, contract, services.ClosureInput(
        outcome=body["outcome"], reason=body["reason"], closed_on=body["closed_on"], method=body["method"],
        reference=body["reference"], signer=body["signer"]), idempotency_key=key)
    return made(closure, existed)
