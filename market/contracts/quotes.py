"""Market quotes (行情): recording and correcting a day's price of a variety and grade at a market,
and reading them; a contract priced on the market reads its quote here."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from models import Grade, MarketQuote, PurchaseContract, User, Variety, db

from .. import audit
from ..clock import local_today
from ..auth.permissions import STAFF, require_role
from ..errors import Conflict, ValidationFailed
from ..units import Unit
from .common import QUOTE_RECORDERS, Errors, date_of, price_of, unit_of


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


def _check_quote_inputs(variety_id: Any, grade_id: Any, errors: Errors) -> tuple[Variety | None, Grade | None]:
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
    errors = Errors()
    variety, grade = _check_quote_inputs(variety_id, grade_id, errors)
    day = date_of(quoted_on, errors, "quoted_on")
    if day is not None and day > local_today():
        errors.add("quoted_on", _l("A quote cannot be dated in the future."))
    source = (source or "").strip()
    if not source:
        errors.add("source", _l("Name the market the price comes from."))
    elif len(source) > 64:
        errors.add("source", _l("Keep the market's name under 64 characters."))
    per_kg = price_of(price, unit_of(unit, errors, "unit"), errors, "price", positive=True)
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
    errors = Errors()
    per_kg = price_of(price, unit_of(unit, errors, "unit"), errors, "price", positive=True)
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
