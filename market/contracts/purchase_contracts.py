"""Purchase contracts (订单收购): drawing one up, its life (sign → active → fulfilled, or terminated),
the price a delivery is paid under it, and its progress against the expected quantity.

Services check permissions, validate with field errors, audit, flush and never commit."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from models import (ContractGradePrice, ContractStatus, Grade, GradeTable, Household, MarketQuote,
                    PriceMechanism, PurchaseContract, SlipStatus, User, Variety, WeighSlip, db, utcnow)

from .. import audit
from ..numbering import next_number
from ..auth.permissions import require_household_access, require_role, visible_household_id
from ..errors import NotFound, ValidationFailed
from . import pricing
from .progress import Progress
from .states import CONTRACT
from .common import ACTIONS, CONTRACT_FIELDS, CONTRACT_MANAGERS, Errors
from .inputs import ContractInput
from .quotes import quote_for


# --- pricing a delivery -------------------------------------------------------------------

def grade_price(contract: PurchaseContract, grade_id: int) -> Decimal:
    """The contract's own price (fixed, floor or base) for one grade, 元/公斤."""
    for row in contract.prices:
        if row.grade_id == grade_id:
            return row.price
    raise ValidationFailed(_l("This contract has no price for that grade."), field="grade_id")


def price_for_delivery(contract: PurchaseContract, grade_id: int,
                       day: date) -> tuple[pricing.PriceDecision, MarketQuote | None]:
    """The unit price (元/公斤) one grade of a delivery on ``day`` earns under the contract.

    :returns: the decision and the quote it consulted (``None`` when the mechanism ignores the market).
    :raises ValidationFailed: the grade has no price, or the mechanism needs a quote that was
        not recorded (the message names the variety, grade, day and market).
    """
    price = grade_price(contract, grade_id)
    terms = pricing.PriceTerms(contract.mechanism, price, contract.premium_pct, contract.bonus_per_kg)
    quote = None
    if contract.mechanism in pricing.NEEDS_QUOTE:
        quote = quote_for(contract.variety_id, grade_id, day, contract.quote_source)
    try:
        decision = pricing.decide_price(terms, quote.price if quote is not None else None)
    except pricing.MissingQuote:
        grade = db.session.get(Grade, grade_id)
        raise ValidationFailed(
            _l("No market quote for %(variety)s, grade %(grade)s on %(day)s from %(source)s: "
               "record that day's quote first.",
               variety=contract.variety.name, grade=grade.name if grade else grade_id,
               day=day.isoformat(), source=contract.quote_source),
            field="grade_id",
        ) from None
    return decision, quote if decision.used_quote else None


def next_contract_number(season: str) -> str:
    """HT<season>-0001, HT<season>-0002, … sequential within the season."""
    return next_number(PurchaseContract.number, f"HT{season}-")


def create_contract(actor: User, entry: ContractInput | None = None, **data: Any) -> PurchaseContract:
    """Draw up a purchase contract (draft) for one household and season.

    ``entry`` is the contract as the form or the API read it; a caller without one (the demo, a
    script) passes the fields as typed, read here by the same :meth:`ContractInput.parse`
    (``expected_kg`` in 公斤 or text with a unit ("6000斤"); ``grade_prices`` ``{grade_id: price}``
    for every grade of the table per ``price_unit``, as is ``bonus_per_kg``). By mechanism the price
    is the fixed price, the floor or the base price.

    :raises ValidationFailed: with every wrong field named.
    """
    require_role(actor, *CONTRACT_MANAGERS)
    entry = entry if entry is not None else ContractInput.parse(**data)
    errors = Errors()
    for name, messages in entry.errors.items():
        for message in messages:
            errors.add(name, message)

    household = db.session.get(Household, entry.household_id) if entry.household_id is not None else None
    if household is None:
        errors.add("household_id", _l("Choose a household."))
    elif not household.active:
        errors.add("household_id", _l("This household is no longer active."))

    variety = db.session.get(Variety, entry.variety_id) if entry.variety_id is not None else None
    table = None
    if variety is None:
        errors.add("variety_id", _l("Choose a variety."))
    elif entry.grade_table_id is None:
        table = variety.product.default_grade_table
        if table is None:
            errors.add("grade_table_id", _l("This product has no default grade table; choose one."))
    else:
        table = db.session.get(GradeTable, entry.grade_table_id) if entry.grade_table_id > 0 else None
        if table is None or table.product_id != variety.product_id:
            errors.add("grade_table_id", _l("Choose a grade table of this product."))
            table = None
    grades = {g.id: g for g in table.grades} if table is not None else {}
    if table is not None and not grades:
        errors.add("grade_table_id", _l("This grade table has no grades."))
    main_grade_id = entry.main_grade_id
    if table is not None and main_grade_id not in grades:
        errors.add("main_grade_id", _l("Choose the main grade from the contract's grade table."))

    chosen = entry.mechanism
    if chosen is not None and chosen is not PriceMechanism.MARKET_PLUS and entry.premium_pct:
        errors.add("premium_pct", _l("A premium applies only to the market-plus mechanism."))
    if chosen is not None and chosen is not PriceMechanism.BASE_BONUS and entry.bonus_per_kg:
        errors.add("bonus_per_kg", _l("A bonus applies only to the base-plus-bonus mechanism."))
    quote_source = entry.quote_source
    if chosen in pricing.NEEDS_QUOTE and not quote_source:
        errors.add("quote_source", _l("Name the market whose daily quote this contract follows."))
    if len(quote_source) > 64:
        errors.add("quote_source", _l("Keep the market's name under 64 characters."))
    if chosen not in pricing.NEEDS_QUOTE:
        quote_source = ""

    start, end = entry.starts_on, entry.ends_on
    if start is not None and end is not None and end < start:
        errors.add("ends_on", _l("The last delivery day cannot be before the first."))

    prices: dict[int, Decimal] = {}
    for grade_id in set(entry.grade_prices) - set(grades):
        if table is not None:
            errors.add(f"grade_prices.{grade_id}", _l("This grade is not in the contract's grade table."))
    for grade_id, grade in grades.items():
        if grade_id not in entry.grade_prices:
            errors.add(f"grade_prices.{grade_id}", _l("Enter a price for %(grade)s.", grade=grade.name))
        elif entry.grade_prices[grade_id] is not None:  # (one that could not be read is named already)
            prices[grade_id] = entry.grade_prices[grade_id]
    if chosen in (PriceMechanism.FIXED, PriceMechanism.BASE_BONUS) and prices.get(main_grade_id) == 0:
        errors.add(f"grade_prices.{main_grade_id}", _l("The main grade needs a price above zero."))
    errors.raise_any()

    contract = PurchaseContract(
        number=next_contract_number(entry.season), household_id=household.id, season=entry.season,
        variety_id=variety.id, grade_table_id=table.id, main_grade_id=main_grade_id, area_mu=entry.area_mu,
        expected_kg=entry.expected_kg, tolerance_pct=entry.tolerance_pct, mechanism=chosen,
        premium_pct=entry.premium_pct, bonus_per_kg=entry.bonus_per_kg, quote_source=quote_source,
        starts_on=start, ends_on=end, delivery_terms=entry.delivery_terms,
        status=ContractStatus.DRAFT, created_by_id=actor.id,
    )
    contract.prices = [ContractGradePrice(grade_id=g.id, price=prices[g.id]) for g in table.grades]
    db.session.add(contract)
    db.session.flush()
    after = audit.snapshot(contract, CONTRACT_FIELDS)
    after["prices"] = {str(p.grade_id): str(p.price) for p in contract.prices}
    audit.record(actor, "purchase_contract.create", contract, after=after,
                 on_behalf_of_household_id=household.id)
    return contract


def get_contract(actor: User, contract_id: int) -> PurchaseContract:
    """:raises NotFound: no such contract. :raises PermissionDenied: another household's, or a buyer."""
    contract = db.session.get(PurchaseContract, contract_id)
    if contract is None:
        visible_household_id(actor)  # a buyer learns nothing, not even that the id is free
        raise NotFound(_l("This contract does not exist."))
    require_household_access(actor, contract.household_id)
    return contract


def contracts_statement(actor: User, *, season: str | None = None, status: ContractStatus | str | None = None,
                        variety_id: int | None = None, household_id: int | None = None) -> Select:
    """The contracts ``actor`` may see (a villager: only their household's), newest first."""
    own = visible_household_id(actor)
    statement = select(PurchaseContract)
    if own is not None:
        statement = statement.where(PurchaseContract.household_id == own)
    if household_id is not None:
        statement = statement.where(PurchaseContract.household_id == household_id)
    if season:
        statement = statement.where(PurchaseContract.season == season)
    if status:
        statement = statement.where(PurchaseContract.status == ContractStatus(status))
    if variety_id is not None:
        statement = statement.where(PurchaseContract.variety_id == variety_id)
    return statement.order_by(PurchaseContract.created_at.desc(), PurchaseContract.id.desc())


def seasons() -> list[str]:
    return list(db.session.scalars(select(PurchaseContract.season).distinct().order_by(PurchaseContract.season.desc())))


def transition(actor: User, contract: PurchaseContract, action: str, *, reason: str | None = None) -> ContractStatus:
    """sign (records when), activate, fulfil, or terminate (a reason is required).

    :raises InvalidTransition: the contract's status does not allow ``action``.
    """
    require_role(actor, *CONTRACT_MANAGERS)
    if action not in ACTIONS:
        raise NotFound(_l("Unknown step."))
    reason = (reason or "").strip()
    if action == "terminate" and CONTRACT.can(contract, action) and not reason:
        raise ValidationFailed(_l("Give the reason for terminating the contract."), field="reason")
    target = CONTRACT.apply(actor, contract, action, reason=reason or None)
    if action == "sign":
        contract.signed_at = utcnow()
    elif action == "terminate":
        contract.terminated_reason = reason
    db.session.flush()
    return target


def sign(actor: User, contract: PurchaseContract) -> ContractStatus:
    return transition(actor, contract, "sign")


def activate(actor: User, contract: PurchaseContract) -> ContractStatus:
    return transition(actor, contract, "activate")


def fulfil(actor: User, contract: PurchaseContract) -> ContractStatus:
    return transition(actor, contract, "fulfil")


def terminate(actor: User, contract: PurchaseContract, reason: str) -> ContractStatus:
    return transition(actor, contract, "terminate", reason=reason)


def start_deliveries(actor: User, contract: PurchaseContract) -> None:
    """A delivery is being weighed against the contract: SIGNED → ACTIVE; already ACTIVE is a no-op.

    :raises InvalidTransition: the contract is a draft, fulfilled or terminated.
    """
    if contract.status is ContractStatus.ACTIVE:
        return
    CONTRACT.apply(actor, contract, "activate", reason="first delivery weighed")
    db.session.flush()


# --- progress -----------------------------------------------------------------------------

def slips_statement(contract: PurchaseContract) -> Select:
    return select(WeighSlip).where(WeighSlip.contract_id == contract.id) \
        .order_by(WeighSlip.weighed_at.desc(), WeighSlip.id.desc())


def progress(contract: PurchaseContract) -> Progress:
    """Delivered net kg (confirmed weigh slips only) and their amount against the expected quantity."""
    row = db.session.execute(
        select(func.coalesce(func.sum(WeighSlip.net_kg), 0).label("net"),
               func.coalesce(func.sum(WeighSlip.amount), 0).label("amount"),
               func.count(WeighSlip.id).label("slips"))
        .where(WeighSlip.contract_id == contract.id, WeighSlip.status == SlipStatus.CONFIRMED)
    ).one()
    return Progress(expected_kg=contract.expected_kg, tolerance_pct=contract.tolerance_pct,
                    delivered_kg=_as_decimal(row.net, 3), amount=_as_decimal(row.amount, 2), slip_count=row.slips)


def delivered_totals(contract_ids: list[int]) -> dict[int, Decimal]:
    """Confirmed net kg per contract, in one query, for lists."""
    if not contract_ids:
        return {}
    rows = db.session.execute(
        select(WeighSlip.contract_id, func.sum(WeighSlip.net_kg))
        .where(WeighSlip.contract_id.in_(contract_ids), WeighSlip.status == SlipStatus.CONFIRMED)
        .group_by(WeighSlip.contract_id)
    ).all()
    found = {contract_id: _as_decimal(total, 3) for contract_id, total in rows}
    return {contract_id: found.get(contract_id, Decimal("0.000")) for contract_id in contract_ids}


def _as_decimal(value: Any, places: int) -> Decimal:
    """Sums come back through the column type as Decimal; an empty sum's 0 may come back raw."""
    if isinstance(value, Decimal):
        return value.quantize(Decimal(1).scaleb(-places))
    return Decimal(int(value or 0)).scaleb(-places).quantize(Decimal(1).scaleb(-places))
