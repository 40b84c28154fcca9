"""Money paid ahead on a contract: 定金 (a deposit, capped at a share of the contract value) and
预付款 (an advance on the price, recovered at settlement)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from models import ContractPrepayment, PrepaymentKind, PurchaseContract, User, db

from .. import audit
from ..clock import local_today
from ..locking import lock_row
from ..auth.permissions import require_role
from ..errors import Conflict, ValidationFailed
from ..units import Money, UnitError, format_money, parse_money
from . import pricing
from .states import ACCEPTS_DELIVERIES
from .common import MAX_PREPAYMENT, PREPAYMENT_RECORDERS, Errors, date_of, decimal_of, enum_of
from .purchase_contracts import grade_price


def contract_value(contract: PurchaseContract) -> Money:
    """Expected kg at the main grade's price: what the 定金 cap is reckoned on."""
    return pricing.contract_value(contract.expected_kg, grade_price(contract, contract.main_grade_id))


def deposit_cap(contract: PurchaseContract) -> Money:
    return pricing.deposit_cap(contract_value(contract), current_app.config["DEPOSIT_MAX_PERCENT"])


def prepaid(contract: PurchaseContract, kind: PrepaymentKind) -> Money:
    """Sum of the contract's prepayments of one kind, read from the database."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(ContractPrepayment.amount), 0))
        .where(ContractPrepayment.contract_id == contract.id, ContractPrepayment.kind == kind)
    )
    return Money(total if isinstance(total, Decimal) else Decimal(int(total or 0)).scaleb(-2))


def record_prepayment(actor: User, contract: PurchaseContract, kind: PrepaymentKind | str, amount: Any,
                      paid_on: date, note: str = "") -> ContractPrepayment:
    """Record money paid ahead: 定金 (deposit, capped at 20 % of the contract value) or 预付款
    (an advance on the price, recovered at settlement; not capped here).

    :raises Conflict: the contract is not signed or active.
    :raises ValidationFailed: bad amount or date, or deposits would pass the cap (the message says it in 元).
    """
    require_role(actor, *PREPAYMENT_RECORDERS)
    if contract.status not in ACCEPTS_DELIVERIES:
        raise Conflict(_l("Prepayments can be recorded only on signed or active contracts."))
    errors = Errors()
    chosen = enum_of(PrepaymentKind, kind, errors, "kind")
    money = None
    try:
        money = parse_money(amount) if isinstance(amount, str) else Money(decimal_of(amount))
    except (UnitError, ValueError, TypeError) as exc:
        if getattr(exc, "code", "") == "finer_than_fen":
            errors.add("amount", _l("Enter the amount to the fen at most."))
        else:
            errors.add("amount", _l("Enter an amount in yuan, e.g. 500.00."))
    if money is not None and money.fen <= 0:
        errors.add("amount", _l("Enter an amount above zero."))
        money = None
    elif money is not None and money.yuan > MAX_PREPAYMENT:
        errors.add("amount", _l("That amount is too large."))
        money = None
    day = date_of(paid_on, errors, "paid_on")
    if day is not None and day > local_today():
        errors.add("paid_on", _l("The payment date cannot be in the future."))
    note = (note or "").strip()
    errors.raise_any()

    lock_row(contract)  # two deposits recorded at once cannot together pass the cap
    if contract.status not in ACCEPTS_DELIVERIES:  # terminated (and its deposit closed) while we waited
        raise Conflict(_l("Prepayments can be recorded only on signed or active contracts."))
    if chosen is PrepaymentKind.DEPOSIT:
        value = contract_value(contract)
        cap = deposit_cap(contract)
        already = prepaid(contract, PrepaymentKind.DEPOSIT)
        if already + money > cap:
            left = max(cap - already, Money(0))
            raise ValidationFailed(
                _l("Deposits (定金) may total at most %(cap)s, which is %(percent)s%% of the contract value "
                   "%(value)s. Already recorded: %(already)s; at most %(left)s more. Record the rest as an "
                   "advance (预付款).",
                   cap=format_money(cap), percent=current_app.config["DEPOSIT_MAX_PERCENT"],
                   value=format_money(value), already=format_money(already), left=format_money(left)),
                field="amount")
    prepayment = ContractPrepayment(contract_id=contract.id, kind=chosen, amount=money.yuan, paid_on=day,
                                    note=note, recorded_by_id=actor.id)
    db.session.add(prepayment)
    db.session.flush()
    db.session.expire(contract, ["prepayments"])
    audit.record(actor, "contract_prepayment.create", prepayment,
                 after=audit.snapshot(prepayment, ("contract_id", "kind", "amount", "paid_on", "note")),
                 on_behalf_of_household_id=contract.household_id)
    return prepayment


def prepayment_totals(contract: PurchaseContract) -> dict[PrepaymentKind, Money]:
    return {kind: prepaid(contract, kind) for kind in PrepaymentKind}
