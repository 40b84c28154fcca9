"""How far a contract's deliveries have come: pure, no database.

A contract's quantity is an estimate (估计数量，以实际为准) with a tolerance: delivering
between expected × (1 − t %) and expected × (1 + t %) fulfils it. The comparison is exact;
the bounds are rounded to the gram only for showing.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..units import GRAM_IN_KG

HUNDRED = Decimal(100)


class Band(str, enum.Enum):
    UNDER = "under"
    WITHIN = "within"
    OVER = "over"


def _check(value: Decimal, name: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"{name} must be a finite Decimal")
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


def tolerance_band(expected_kg: Decimal, tolerance_pct: Decimal, delivered_kg: Decimal) -> Band:
    """Where ``delivered_kg`` falls against the expected quantity and its tolerance (bounds inclusive)."""
    expected = _check(expected_kg, "expected_kg")
    tolerance = _check(tolerance_pct, "tolerance_pct")
    delivered = _check(delivered_kg, "delivered_kg")
    if delivered * HUNDRED < expected * (HUNDRED - tolerance):
        return Band.UNDER
    if delivered * HUNDRED > expected * (HUNDRED + tolerance):
        return Band.OVER
    return Band.WITHIN


def tolerance_bounds(expected_kg: Decimal, tolerance_pct: Decimal) -> tuple[Decimal, Decimal]:
    """The lowest and highest delivery (kg, to the gram) that fulfil the contract, for display."""
    expected = _check(expected_kg, "expected_kg")
    tolerance = _check(tolerance_pct, "tolerance_pct")
    low = (expected * (HUNDRED - tolerance) / HUNDRED).quantize(GRAM_IN_KG, rounding=ROUND_HALF_UP)
    high = (expected * (HUNDRED + tolerance) / HUNDRED).quantize(GRAM_IN_KG, rounding=ROUND_HALF_UP)
    return max(low, Decimal("0.000")), high


def percent_delivered(expected_kg: Decimal, delivered_kg: Decimal) -> int:
    """Whole percent of the expected quantity delivered (may pass 100), rounded down."""
    expected = _check(expected_kg, "expected_kg")
    delivered = _check(delivered_kg, "delivered_kg")
    if expected == 0:
        return 0
    return int(delivered * HUNDRED // expected)


@dataclass(frozen=True)
class Progress:
    expected_kg: Decimal
    tolerance_pct: Decimal
    delivered_kg: Decimal
    #: what the delivered slips are worth, 元
    amount: Decimal
    slip_count: int

    @property
    def band(self) -> Band:
        return tolerance_band(self.expected_kg, self.tolerance_pct, self.delivered_kg)

    @property
    def bounds(self) -> tuple[Decimal, Decimal]:
        return tolerance_bounds(self.expected_kg, self.tolerance_pct)

    @property
    def percent(self) -> int:
        return percent_delivered(self.expected_kg, self.delivered_kg)

    @property
    def bar_percent(self) -> int:
        """The progress bar's width: the percent, capped at 100."""
        return min(self.percent, 100)

    @property
    def remaining_kg(self) -> Decimal:
        """Kilograms still to deliver to reach the expected quantity (never negative)."""
        return max(self.expected_kg - self.delivered_kg, Decimal("0.000"))
