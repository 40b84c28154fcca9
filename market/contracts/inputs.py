"""A purchase contract as entered, parsed once at the edge.

The contract form and the API body each build a :class:`ContractInput`
(:meth:`ContractInput.parse`): the expected quantity as typed ("6000斤") becomes kilograms, prices
per 斤 become 元/公斤 exactly, areas and percentages fixed-point numbers in range, dates and the
mechanism their types. What cannot be read is kept as a field error, not raised, so that
:func:`.purchase_contracts.create_contract`, which checks the rules only (the household, variety
and grade table exist and agree, a price for every grade, the mechanism's own terms, the dates in
order), names every wrong field in one answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l

from models import PriceMechanism

from ..units import Unit
from .common import (MAX_AREA_MU, MAX_PERCENT, MAX_TOLERANCE, SEASON_RE, Errors, date_of, enum_of, fixed_of,
                     price_of, unit_of, weight_kg_of)


@dataclass(frozen=True)
class ContractInput:
    """What a contract form or body says, in 公斤 and 元/公斤 (``None`` where it could not be read)."""

    household_id: int | None
    season: str
    variety_id: int | None
    #: ``None``: the product's default table
    grade_table_id: int | None
    main_grade_id: int | None
    area_mu: Decimal | None
    expected_kg: Decimal | None
    tolerance_pct: Decimal | None
    mechanism: PriceMechanism | None
    #: grade id → 元/公斤; a grade whose price was left blank is absent, one that could not be read is ``None``
    grade_prices: Mapping[int, Decimal | None]
    premium_pct: Decimal | None
    bonus_per_kg: Decimal | None
    quote_source: str
    starts_on: date | None
    ends_on: date | None
    delivery_terms: str
    #: what could not be read, by field
    errors: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    @classmethod
    def parse(cls, household_id: Any = None, season: Any = "", variety_id: Any = None,
              grade_table_id: Any = None, main_grade_id: Any = None, area_mu: Any = None, expected_kg: Any = None,
              tolerance_pct: Any = Decimal("5"), mechanism: Any = None, grade_prices: Mapping[Any, Any] | None = None,
              price_unit: Unit | str = Unit.KG, premium_pct: Any = Decimal("0"), bonus_per_kg: Any = Decimal("0"),
              quote_source: Any = "", starts_on: Any = None, ends_on: Any = None,
              delivery_terms: Any = "") -> "ContractInput":
        """Read the fields as typed; ``expected_kg`` a number of 公斤 or text with a unit, prices per
        ``price_unit``."""
        errors = Errors()
        unit = unit_of(price_unit, errors, "price_unit")
        season = (season or "").strip() if isinstance(season, str) else str(season or "")
        if not SEASON_RE.match(season):
            errors.add("season", _l("Enter the season as a year, e.g. 2026."))
        prices: dict[int, Decimal | None] = {}
        for key, value in (grade_prices or {}).items():
            try:
                grade_id = int(key)
            except (TypeError, ValueError):
                errors.add("grade_prices", _l("Prices must be given per grade."))
                continue
            if value in (None, ""):
                continue
            prices[grade_id] = price_of(value, unit, errors, f"grade_prices.{grade_id}")
        return cls(
            household_id=household_id if isinstance(household_id, int) else None,
            season=season,
            variety_id=variety_id if isinstance(variety_id, int) else None,
            grade_table_id=grade_table_id if isinstance(grade_table_id, int) or grade_table_id is None else -1,
            main_grade_id=main_grade_id if isinstance(main_grade_id, int) else None,
            area_mu=fixed_of(area_mu, errors, "area_mu", low=Decimal(0), low_inclusive=False, high=MAX_AREA_MU,
                             message=_l("Enter the planted area in mu, above zero.")),
            expected_kg=weight_kg_of(expected_kg, errors, "expected_kg"),
            tolerance_pct=fixed_of(tolerance_pct, errors, "tolerance_pct", high=MAX_TOLERANCE,
                                   message=_l("The tolerance must be between 0 and 50 percent.")),
            mechanism=enum_of(PriceMechanism, mechanism, errors, "mechanism"),
            grade_prices=prices,
            premium_pct=fixed_of(premium_pct if premium_pct not in (None, "") else "0", errors, "premium_pct",
                                 high=MAX_PERCENT, message=_l("The premium cannot be negative.")),
            bonus_per_kg=price_of(bonus_per_kg if bonus_per_kg not in (None, "") else "0", unit, errors,
                                  "bonus_per_kg"),
            quote_source=(quote_source or "").strip(),
            starts_on=date_of(starts_on, errors, "starts_on"),
            ends_on=date_of(ends_on, errors, "ends_on"),
            delivery_terms=(delivery_terms or "").strip(),
            # last: every field above has added its errors by now
            errors={name: tuple(messages) for name, messages in errors.fields.items()},
        )
