"""Business actions of purchase contracts (订单收购) and market quotes (行情).

Services check permissions, validate with field errors, audit, flush and never commit.

Kept in one module (about 700 lines) for now: its aggregates are market quotes, contracts and
prepayments, which would split as ``quotes.py``, ``purchase_contracts.py`` and
``prepayments.py``; the settlement tests, being reorganised in parallel, call them through this
module, so the split waits until that work has landed.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from models import (ContractGradePrice, ContractPrepayment, ContractStatus, Grade, GradeTable, Household,
                    MarketQuote, PrepaymentKind, PriceMechanism, PurchaseContract, RoleName, SlipStatus,
                    User, Variety, WeighSlip, db, utcnow)

from .. import audit
from ..clock import local_today
from ..locking import lock_row
from ..numbering import next_number
from ..auth.permissions import STAFF, require_household_access, require_role, visible_household_id
from ..errors import Conflict, NotFound, ValidationFailed
from ..units import Money, Quantity, Unit, UnitError, Weight, format_money, parse_money, parse_quantity, \
    parse_unit, price_per_kg
from . import pricing
from .progress import Progress
from .states import ACCEPTS_DELIVERIES, CONTRACT

#: who may create contracts and move them through their life
CONTRACT_MANAGERS = (RoleName.COORDINATOR, RoleName.ADMIN)
#: who may record money paid ahead (定金, 预付款) against a contract
PREPAYMENT_RECORDERS = (RoleName.COORDINATOR, RoleName.ACCOUNTANT, RoleName.ADMIN)
#: who may record and correct market quotes
QUOTE_RECORDERS = (RoleName.COORDINATOR, RoleName.ADMIN)

ACTIONS = ("sign", "activate", "fulfil", "terminate")
SEASON_RE = re.compile(r"^[0-9]{4}[0-9A-Za-z-]{0,12}$")
MAX_TOLERANCE = Decimal(50)
MAX_AREA_MU = Decimal(100_000)
MAX_EXPECTED_KG = Decimal(100_000_000)
MAX_PRICE_PER_KG = Decimal(10_000)
MAX_PERCENT = Decimal(1_000)
MAX_PREPAYMENT = Decimal(100_000_000)

CONTRACT_FIELDS = ("number", "household_id", "season", "variety_id", "grade_table_id", "main_grade_id",
                   "area_mu", "expected_kg", "tolerance_pct", "mechanism", "premium_pct", "bonus_per_kg",
                   "quote_source", "starts_on", "ends_on", "delivery_terms", "status")


class _Errors:
    """Collects field errors so one refusal names every wrong field at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[Any]] = {}

    def add(self, field: str, message: Any) -> None:
        self.fields.setdefault(field, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.fields

    def raise_any(self) -> None:
        if self.fields:
            first = next(iter(self.fields.values()))[0]
            raise ValidationFailed(first if len(self.fields) == 1 else None, fields=self.fields)




def _decimal(value: Any) -> Decimal:
    """An exact Decimal from str, int or Decimal; floats and junk raise ValueError."""
    if isinstance(value, bool) or isinstance(value, float) or value is None:
        raise ValueError(value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        cleaned = value.strip().replace(",", "").replace("，", "").rstrip("%％").strip()
        try:
            result = Decimal(cleaned)
        except InvalidOperation:
            raise ValueError(value) from None
    else:
        raise ValueError(value)
    if not result.is_finite():
        raise ValueError(value)
    return result


def _fixed(value: Any, errors: _Errors, field: str, *, places: int = 2, low: Decimal = Decimal(0),
           high: Decimal, low_inclusive: bool = True, message: Any) -> Decimal | None:
    """A number with at most ``places`` decimals within [low, high]; else a field error."""
    try:
        number = _decimal(value)
    except ValueError:
        errors.add(field, _l("Enter a number."))
        return None
    quantum = Decimal(1).scaleb(-places)
    if (number < low if low_inclusive else number <= low) or number > high:
        errors.add(field, message)
        return None
    if number != number.quantize(quantum):
        errors.add(field, _l("Use at most %(places)s decimal places.", places=places))
        return None
    return number.quantize(quantum)


def _weight_kg(value: Any, errors: _Errors, field: str) -> Decimal | None:
    """Kilograms from a Weight, a Quantity, a kg number or text with a unit ("6000斤", "3吨")."""
    try:
        if isinstance(value, Quantity):
            weight = value.weight
        elif isinstance(value, Weight):
            weight = value
        elif isinstance(value, str):
            weight = parse_quantity(value, Unit.KG).weight
        else:
            weight = Weight(_decimal(value), Unit.KG)
    except (UnitError, ValueError, TypeError) as exc:
        code = getattr(exc, "code", "")
        if code == "finer_than_gram":
            errors.add(field, _l("Enter the weight to the gram at most."))
        elif code == "unknown_unit":
            errors.add(field, _l("Use 斤, 公斤 or 吨."))
        elif code == "not_positive":
            errors.add(field, _l("Enter a weight above zero."))
        else:
            errors.add(field, _l("Enter a weight, e.g. 3000 公斤 or 6000斤."))
        return None
    if weight.grams <= 0:
        errors.add(field, _l("Enter a weight above zero."))
        return None
    if weight.kg > MAX_EXPECTED_KG:
        errors.add(field, _l("That weight is too large."))
        return None
    return weight.kg


def _price(value: Any, unit: Unit, errors: _Errors, field: str, *, positive: bool = False) -> Decimal | None:
    """元/公斤 from a price per ``unit``; exact to the fen or a field error."""
    if isinstance(value, str) and not value.strip():
        errors.add(field, _l("Enter a price."))
        return None
    try:
        per_kg = price_per_kg(_decimal(value), unit)
    except UnitError as exc:
        if exc.code == "finer_than_fen":
            errors.add(field, _l("This price does not come to whole fen per kilogram."))
        else:
            errors.add(field, _l("Enter a price in yuan, e.g. 6.50."))
        return None
    except (ValueError, TypeError):
        errors.add(field, _l("Enter a price in yuan, e.g. 6.50."))
        return None
    if per_kg < 0 or (positive and per_kg == 0):
        errors.add(field, _l("Enter a price above zero.") if positive else _l("A price cannot be negative."))
        return None
    if per_kg > MAX_PRICE_PER_KG:
        errors.add(field, _l("That price is too high."))
        return None
    return per_kg


def _unit(value: Any, errors: _Errors, field: str) -> Unit:
    try:
        return parse_unit(value)
    except UnitError:
        errors.add(field, _l("Use 斤, 公斤 or 吨."))
        return Unit.KG


def _enum(enum_cls, value: Any, errors: _Errors, field: str):
    try:
        return value if isinstance(value, enum_cls) else enum_cls(value)
    except ValueError:
        errors.add(field, _l("Choose one of the listed options."))
        return None


def _date(value: Any, errors: _Errors, field: str) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.add(field, _l("Enter a date like 2026-08-26."))
    return None


# --- market quotes ------------------------------------------------------------------------

def quote_for(variety_id: int, grade_id: int, day: date, source: str) -> MarketQuote | None:
    """That day's quote of ``source`` for the variety and grade, or ``None``."""
    return db.session.scalars(
        select(MarketQuote).where(
            MarketQuote.variety_id == variety_id,
            MarketQuote.grade_id == grade_id,
            MarketQuote.quoted_on == day,
            MarketQuote.source == source,
        )
    ).first()


def _check_quote_inputs(variety_id: Any, grade_id: Any, errors: _Errors) -> tuple[Variety | None, Grade | None]:
    variety = db.session.get(Variety, variety_id) if isinstance(variety_id, int) else None
    if variety is None:
        errors.add("variety_id", _l("Choose a variety."))
    grade = db.session.get(Grade, grade_id) if isinstance(grade_id, int) else None
    if grade is None:
        errors.add("grade_id", _l("Choose a grade."))
    elif variety is not None and grade.table.product_id != variety.product_id:
        errors.add("grade_id", _l("This grade belongs to another product."))
    return variety, grade


def record_quote(actor: User, variety_id: int, grade_id: int, quoted_on: date, price: Any, source: str, *,
                 unit: Unit | str = Unit.KG, correct: bool = False, reason: str | None = None) -> MarketQuote:
    """Record one market's price (行情) for a variety and grade on a day.

    :param price: in 元 per ``unit`` (元/斤 is converted to 元/公斤 exactly, or refused).
    :param correct: when that day's quote of that market already exists, correct it (audited with
        the old and new price and ``reason``) instead of refusing.
    :raises Conflict: the quote exists and ``correct`` is false.
    """
    require_role(actor, *QUOTE_RECORDERS)
    errors = _Errors()
    variety, grade = _check_quote_inputs(variety_id, grade_id, errors)
    day = _date(quoted_on, errors, "quoted_on")
    if day is not None and day > local_today():
        errors.add("quoted_on", _l("A quote cannot be dated in the future."))
    source = (source or "").strip()
    if not source:
        errors.add("source", _l("Name the market the price comes from."))
    elif len(source) > 64:
        errors.add("source", _l("Keep the market's name under 64 characters."))
    per_kg = _price(price, _unit(unit, errors, "unit"), errors, "price", positive=True)
    errors.raise_any()
    existing = quote_for(variety.id, grade.id, day, source)
    if existing is not None:
        if correct:
            return correct_quote(actor, existing, per_kg, reason=reason)
        raise _duplicate_quote(existing)
    quote = MarketQuote(variety_id=variety.id, grade_id=grade.id, quoted_on=day, price=per_kg, source=source,
                        recorded_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(quote)
            db.session.flush()
    except IntegrityError:  # someone recorded the same quote a moment ago
        existing = quote_for(variety.id, grade.id, day, source)
        if existing is None:
            raise
        raise _duplicate_quote(existing) from None
    audit.record(actor, "market_quote.create", quote,
                 after=audit.snapshot(quote, ("variety_id", "grade_id", "quoted_on", "price", "source")))
    return quote


def _duplicate_quote(existing: MarketQuote) -> Conflict:
    return Conflict(
        _l("%(source)s already has a quote for %(variety)s %(grade)s on %(day)s (¥%(price)s/公斤). "
           "To change it, record it again as a correction and give the reason.",
           source=existing.source, variety=existing.variety.name, grade=existing.grade.name,
           day=existing.quoted_on.isoformat(), price=existing.price),
        field="price")


def correct_quote(actor: User, quote: MarketQuote, price: Any, *, unit: Unit | str = Unit.KG,
                  reason: str | None) -> MarketQuote:
    """Change a recorded quote's price, with the reason; audited with before and after.

    Weigh slips already priced keep the price they applied.
    """
    require_role(actor, *QUOTE_RECORDERS)
    errors = _Errors()
    per_kg = _price(price, _unit(unit, errors, "unit"), errors, "price", positive=True)
    reason = (reason or "").strip()
    if not reason:
        errors.add("reason", _l("Give the reason for the correction."))
    errors.raise_any()
    before = audit.snapshot(quote, ("price",))
    if per_kg == quote.price:
        raise ValidationFailed(_l("The corrected price is the same as the recorded one."), field="price")
    quote.price = per_kg
    db.session.flush()
    audit.record(actor, "market_quote.correct", quote, before=before, after=audit.snapshot(quote, ("price",)),
                 reason=reason)
    return quote


def quotes_statement(actor: User, *, days: int | None = 7, variety_id: int | None = None,
                     grade_id: int | None = None, source: str | None = None, since: date | None = None,
                     until: date | None = None) -> Select:
    """Quotes newest first; by default those of the last ``days`` days up to today. Staff only."""
    require_role(actor, *STAFF)
    statement = select(MarketQuote)
    if until is None and days is not None:
        until = local_today()
    if since is None and days is not None:
        since = until - timedelta(days=days - 1)
    if since is not None:
        statement = statement.where(MarketQuote.quoted_on >= since)
    if until is not None:
        statement = statement.where(MarketQuote.quoted_on <= until)
    if variety_id is not None:
        statement = statement.where(MarketQuote.variety_id == variety_id)
    if grade_id is not None:
        statement = statement.where(MarketQuote.grade_id == grade_id)
    if source:
        statement = statement.where(MarketQuote.source == source)
    return statement.order_by(MarketQuote.quoted_on.desc(), MarketQuote.variety_id, MarketQuote.grade_id,
                              MarketQuote.source, MarketQuote.id)


def known_sources() -> list[str]:
    """Market names used before, most recent first, to offer them again."""
    rows = db.session.execute(
        select(MarketQuote.source, func.max(MarketQuote.quoted_on).label("last"))
        .group_by(MarketQuote.source).order_by(func.max(MarketQuote.quoted_on).desc())
    ).all()
    names = [row.source for row in rows]
    contract_sources = db.session.scalars(
        select(PurchaseContract.quote_source).where(PurchaseContract.quote_source != "").distinct()
    ).all()
    return names + sorted(set(contract_sources) - set(names))


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


# --- contracts ----------------------------------------------------------------------------

def next_contract_number(season: str) -> str:
    """HT<season>-0001, HT<season>-0002, … sequential within the season."""
    return next_number(PurchaseContract.number, f"HT{season}-")


def create_contract(actor: User, *, household_id: int, season: str, variety_id: int,
                    grade_table_id: int | None = None, main_grade_id: int, area_mu: Any, expected_kg: Any,
                    tolerance_pct: Any = Decimal("5"), mechanism: PriceMechanism | str,
                    grade_prices: Mapping[int, Any], price_unit: Unit | str = Unit.KG,
                    premium_pct: Any = Decimal("0"), bonus_per_kg: Any = Decimal("0"),
                    quote_source: str = "", starts_on: date, ends_on: date,
                    delivery_terms: str = "") -> PurchaseContract:
    """Draw up a purchase contract (draft) for one household and season.

    :param expected_kg: kilograms, or text with a unit ("6000斤"), a ``Weight`` or a ``Quantity``.
    :param grade_prices: ``{grade_id: price}`` for every grade of the table, per ``price_unit``
        (元/公斤 by default; 元/斤 is converted exactly). By mechanism the price is the fixed
        price, the floor or the base price.
    :param bonus_per_kg: per ``price_unit`` as well.
    :raises ValidationFailed: with every wrong field named.
    """
    require_role(actor, *CONTRACT_MANAGERS)
    errors = _Errors()
    unit = _unit(price_unit, errors, "price_unit")

    household = db.session.get(Household, household_id) if isinstance(household_id, int) else None
    if household is None:
        errors.add("household_id", _l("Choose a household."))
    elif not household.active:
        errors.add("household_id", _l("This household is no longer active."))

    season = (season or "").strip() if isinstance(season, str) else str(season or "")
    if not SEASON_RE.match(season):
        errors.add("season", _l("Enter the season as a year, e.g. 2026."))

    variety = db.session.get(Variety, variety_id) if isinstance(variety_id, int) else None
    table = None
    if variety is None:
        errors.add("variety_id", _l("Choose a variety."))
    else:
        if grade_table_id is None:
            table = variety.product.default_grade_table
            if table is None:
                errors.add("grade_table_id", _l("This product has no default grade table; choose one."))
        else:
            table = db.session.get(GradeTable, grade_table_id) if isinstance(grade_table_id, int) else None
            if table is None or table.product_id != variety.product_id:
                errors.add("grade_table_id", _l("Choose a grade table of this product."))
                table = None
    grades = {g.id: g for g in table.grades} if table is not None else {}
    if table is not None and not grades:
        errors.add("grade_table_id", _l("This grade table has no grades."))
    if table is not None and main_grade_id not in grades:
        errors.add("main_grade_id", _l("Choose the main grade from the contract's grade table."))

    area = _fixed(area_mu, errors, "area_mu", low=Decimal(0), low_inclusive=False, high=MAX_AREA_MU,
                  message=_l("Enter the planted area in mu, above zero."))
    expected = _weight_kg(expected_kg, errors, "expected_kg")
    tolerance = _fixed(tolerance_pct, errors, "tolerance_pct", high=MAX_TOLERANCE,
                       message=_l("The tolerance must be between 0 and 50 percent."))
    chosen = _enum(PriceMechanism, mechanism, errors, "mechanism")
    premium = _fixed(premium_pct if premium_pct not in (None, "") else "0", errors, "premium_pct",
                     high=MAX_PERCENT, message=_l("The premium cannot be negative."))
    bonus = _price(bonus_per_kg if bonus_per_kg not in (None, "") else "0", unit, errors, "bonus_per_kg")
    if chosen is not None and chosen is not PriceMechanism.MARKET_PLUS and premium:
        errors.add("premium_pct", _l("A premium applies only to the market-plus mechanism."))
    if chosen is not None and chosen is not PriceMechanism.BASE_BONUS and bonus:
        errors.add("bonus_per_kg", _l("A bonus applies only to the base-plus-bonus mechanism."))
    quote_source = (quote_source or "").strip()
    if chosen in pricing.NEEDS_QUOTE and not quote_source:
        errors.add("quote_source", _l("Name the market whose daily quote this contract follows."))
    if len(quote_source) > 64:
        errors.add("quote_source", _l("Keep the market's name under 64 characters."))
    if chosen not in pricing.NEEDS_QUOTE:
        quote_source = ""

    start = _date(starts_on, errors, "starts_on")
    end = _date(ends_on, errors, "ends_on")
    if start is not None and end is not None and end < start:
        errors.add("ends_on", _l("The last delivery day cannot be before the first."))

    prices: dict[int, Decimal] = {}
    given = {}
    for key, value in (grade_prices or {}).items():
        try:
            given[int(key)] = value
        except (TypeError, ValueError):
            errors.add("grade_prices", _l("Prices must be given per grade."))
    for grade_id in set(given) - set(grades):
        if table is not None:
            errors.add(f"grade_prices.{grade_id}", _l("This grade is not in the contract's grade table."))
    for grade_id, grade in grades.items():
        field = f"grade_prices.{grade_id}"
        if given.get(grade_id) in (None, ""):
            errors.add(field, _l("Enter a price for %(grade)s.", grade=grade.name))
            continue
        per_kg = _price(given[grade_id], unit, errors, field)
        if per_kg is not None:
            prices[grade_id] = per_kg
    if chosen in (PriceMechanism.FIXED, PriceMechanism.BASE_BONUS) and prices.get(main_grade_id) == 0:
        errors.add(f"grade_prices.{main_grade_id}", _l("The main grade needs a price above zero."))
    errors.raise_any()

    contract = PurchaseContract(
        number=next_contract_number(season), household_id=household.id, season=season, variety_id=variety.id,
        grade_table_id=table.id, main_grade_id=main_grade_id, area_mu=area, expected_kg=expected,
        tolerance_pct=tolerance, mechanism=chosen, premium_pct=premium, bonus_per_kg=bonus,
        quote_source=quote_source, starts_on=start, ends_on=end, delivery_terms=(delivery_terms or "").strip(),
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


# --- prepayments --------------------------------------------------------------------------

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
    errors = _Errors()
    chosen = _enum(PrepaymentKind, kind, errors, "kind")
    money = None
    try:
        money = parse_money(amount) if isinstance(amount, str) else Money(_decimal(amount))
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
    day = _date(paid_on, errors, "paid_on")
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


def prepayment_totals(contract: PurchaseContract) -> dict[PrepaymentKind, Money]:
    return {kind: prepaid(contract, kind) for kind in PrepaymentKind}


__all__ = [
    "ACTIONS", "CONTRACT_MANAGERS", "PREPAYMENT_RECORDERS", "QUOTE_RECORDERS", "quote_for", "record_quote",
    "correct_quote", "quotes_statement", "known_sources", "grade_price", "price_for_delivery",
    "next_contract_number", "create_contract", "get_contract", "contracts_statement", "seasons", "transition",
    "sign", "activate", "fulfil", "terminate", "start_deliveries", "contract_value", "deposit_cap", "prepaid",
    "record_prepayment", "slips_statement", "progress", "delivered_totals", "prepayment_totals", "local_today",
]
