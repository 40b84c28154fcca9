"""JSON API of the contracts feature: contracts, their steps, prepayments and progress; quotes."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from models import DepositClosure, MarketQuote, PrepaymentKind, RoleName, db

from ..auth.permissions import STAFF, require_role
from ..api import Blueprint, creates, page_schema, paginate, roles_first
from ..errors import NotFound
from . import services
from .inputs import ContractInput
from .schemas import (ContractCreateSchema, ContractQuerySchema, ContractSchema, PrepaymentCreateSchema,
                      PrepaymentSchema, ProgressSchema, QuoteCorrectionSchema, QuoteCreateSchema,
                      QuoteQuerySchema, QuoteSchema, TerminateSchema)

URL_PREFIX = ""
blp = Blueprint("contracts_api", __name__,
                description="Purchase contracts (订单收购), their prepayments and progress; market quotes (行情)")


def _page_args(args: dict) -> dict:
    return {"page": args.pop("page", 1), "per_page": args.pop("per_page", None)}


# --- contracts ------------------------------------------------------------------------------

@blp.route("/contracts")
@roles_first(RoleName.VILLAGER, *STAFF)
@blp.arguments(ContractQuerySchema, location="query")
@blp.response(200, page_schema(ContractSchema))
def list_contracts(args):
    """Contracts, newest first. A villager gets only their household's."""
    page = _page_args(args)
    return paginate(services.contracts_statement(current_user, **args), page)


@blp.route("/contracts", methods=["POST"])
@roles_first(*services.CONTRACT_MANAGERS)
@creates
@blp.arguments(ContractCreateSchema)
@blp.response(201, ContractSchema)
def create_contract(body):
    """Draw up a contract (draft). Coordinators and admins only; every grade of the table needs a price."""
    body["expected_kg"] = body.pop("expected")
    return services.create_contract(current_user, ContractInput.parse(**body))


@blp.route("/contracts/<int:contract_id>")
@blp.response(200, ContractSchema)
def get_contract(contract_id: int):
    """One contract. A villager may read only their own."""
    return services.get_contract(current_user, contract_id)


def _step(contract_id: int, action: str, reason: str | None = None):
    contract = services.get_contract(current_user, contract_id)
    services.transition(current_user, contract, action, reason=reason)
    db.session.commit()
    return contract


@blp.route("/contracts/<int:contract_id>/sign", methods=["POST"])
@roles_first(*services.CONTRACT_MANAGERS)
@blp.response(200, ContractSchema)
def sign_contract(contract_id: int):
    """draft → signed; records when."""
    return _step(contract_id, "sign")


@blp.route("/contracts/<int:contract_id>/activate", methods=["POST"])
@roles_first(*services.CONTRACT_MANAGERS)
@blp.response(200, ContractSchema)
def activate_contract(contract_id: int):
    """signed → active (the first weigh slip does this by itself)."""
    return _step(contract_id, "activate")


@blp.route("/contracts/<int:contract_id>/fulfil", methods=["POST"])
@roles_first(*services.CONTRACT_MANAGERS)
@blp.response(200, ContractSchema)
def fulfil_contract(contract_id: int):
    """active → fulfilled."""
    return _step(contract_id, "fulfil")


@blp.route("/contracts/<int:contract_id>/terminate", methods=["POST"])
@roles_first(*services.CONTRACT_MANAGERS)
@blp.arguments(TerminateSchema)
@blp.response(200, ContractSchema)
def terminate_contract(body, contract_id: int):
    """draft, signed or active → terminated, with the reason."""
    return _step(contract_id, "terminate", body["reason"])


@blp.route("/contracts/<int:contract_id>/prepayments")
@blp.response(200, PrepaymentSchema(many=True))
def list_prepayments(contract_id: int):
    """Deposits (定金) and advances (预付款) paid on the contract."""
    return services.get_contract(current_user, contract_id).prepayments


@blp.route("/contracts/<int:contract_id>/prepayments", methods=["POST"])
@roles_first(*services.PREPAYMENT_RECORDERS)
@creates
@blp.arguments(PrepaymentCreateSchema)
@blp.response(201, PrepaymentSchema)
def create_prepayment(body, contract_id: int):
    """Record a deposit or advance. Deposits together may not pass 20 % of the contract value."""
    contract = services.get_contract(current_user, contract_id)
    return services.record_prepayment(current_user, contract, body["kind"], body["amount"], body["paid_on"],
                                      body["note"])


@blp.route("/contracts/<int:contract_id>/progress")
@blp.response(200, ProgressSchema)
def contract_progress(contract_id: int):
    """Delivered net kg (confirmed weigh slips) against the expected quantity and its tolerance."""
    contract = services.get_contract(current_user, contract_id)
    progress = services.progress(contract)
    low, high = progress.bounds
    totals = services.prepayment_totals(contract)
    closure = db.session.scalar(select(DepositClosure).where(DepositClosure.contract_id == contract.id,
                                                             DepositClosure.voided_at.is_(None)))
    return {
        "contract_id": contract.id, "expected_kg": progress.expected_kg, "tolerance_pct": progress.tolerance_pct,
        "low_kg": low, "high_kg": high, "delivered_kg": progress.delivered_kg,
        "remaining_kg": progress.remaining_kg, "percent": progress.percent, "band": progress.band.value,
        "amount": progress.amount, "slip_count": progress.slip_count,
        "deposits": totals[PrepaymentKind.DEPOSIT].yuan, "advances": totals[PrepaymentKind.ADVANCE].yuan,
        "deposit_closure": closure.number if closure else None,
        "deposit_outcome": closure.outcome.value if closure else None,
    }


# --- quotes ---------------------------------------------------------------------------------

@blp.route("/quotes")
@roles_first(*STAFF)
@blp.arguments(QuoteQuerySchema, location="query")
@blp.response(200, page_schema(QuoteSchema))
def list_quotes(args):
    """Market quotes, newest first; the last seven days unless since/until say otherwise. Staff only."""
    page = _page_args(args)
    days = None if (args.get("since") or args.get("until")) else 7
    return paginate(services.quotes_statement(current_user, days=days, **args), page)


@blp.route("/quotes", methods=["POST"])
@roles_first(*services.QUOTE_RECORDERS)
@creates
@blp.arguments(QuoteCreateSchema)
@blp.response(201, QuoteSchema)
def create_quote(body):
    """Record a market's price for a variety and grade on a day. A second one for the same
    variety, grade, day and market is refused with 409: correct the first instead."""
    return services.record_quote(current_user, body["variety_id"], body["grade_id"], body["quoted_on"],
                                 body["price"], body["source"], unit=body["unit"])


@blp.route("/quotes/<int:quote_id>", methods=["PATCH"])
@roles_first(*services.QUOTE_RECORDERS)
@blp.arguments(QuoteCorrectionSchema)
@blp.response(200, QuoteSchema)
def correct_quote(body, quote_id: int):
    """Correct a quote's price, giving the reason (audited with the old and new price)."""
    require_role(current_user, *services.QUOTE_RECORDERS)
    quote = db.session.get(MarketQuote, quote_id)
    if quote is None:
        raise NotFound(_l("This quote does not exist."))
    services.correct_quote(current_user, quote, body["price"], unit=body["unit"], reason=body["reason"])
    db.session.commit()
    return quote
