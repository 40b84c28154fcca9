"""What the allocation engine takes and gives: the order and the candidate lots, each policy's
parameters, the lines and the explanation per household. Pure data (see :mod:`.allocation`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal

POLICIES = ("fair", "optimal")


@dataclass(frozen=True)
class OrderSpec:
    quantity_g: int
    variety_id: int
    #: the worst acceptable grade's rank (0 is the best grade)
    min_grade_rank: int
    window_start: date
    window_end: date
    crate_g: int = 10_000


@dataclass(frozen=True, slots=True)
class Candidate:
    lot_id: int
    household_id: int
    variety_id: int
    grade_rank: int
    available_g: int
    ready_from: date
    spoil_by: date
    priority: bool = False
    distance_km: Decimal = Decimal("0")
    #: farm-gate price the household would be paid, 元/公斤 (the optimal policy's cost)
    price_per_kg: Decimal = Decimal("0")


@dataclass(frozen=True)
class FairParams:
    share_cap: Decimal = Decimal("0.10")
    urgent_days: int = 3
    priority_first: bool = True
    #: the least one household is given, grams (0: no least)
    min_pick_g: int = 0


@dataclass(frozen=True)
class OptimalParams:
    share_cap: Decimal = Decimal("0.10")
    stop_cost: Decimal = Decimal("30")
    km_cost: Decimal = Decimal("2.0")
    urgency_credit: Decimal = Decimal("0.5")
    urgency_horizon_days: int = 14
    #: the least one household is given, grams (0: no least)
    min_pick_g: int = 0


@dataclass(frozen=True, slots=True)
class LotAllocation:
    lot_id: int
    household_id: int
    grams: int


@dataclass(frozen=True, slots=True)
class HouseholdExplanation:
    household_id: int
    #: 0 is served first
    tier: int
    tier_reason: str
    offered_g: int
    allocated_g: int
    cap_g: int
    #: why the household got less than it offered: cap | order_filled | crate_rounding (its exact share
    #: was rounded down to whole crates) | lower_tier_filled | cost | min_pick (it would have been
    #: given less than the order's least pick per household, so it was left out)
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class AllocationResult:
    policy: str
    params: dict
    input_hash: str
    requested_g: int
    eligible_g: int
    filled_g: int
    shortfall_g: int
    lines: tuple[LotAllocation, ...]
    households: tuple[HouseholdExplanation, ...]
    #: lot id → why it was not considered
    ineligible: dict[int, str] = field(default_factory=dict)
    #: the optimal policy's objective, 元 (None for fair)
    cost: Decimal | None = None

    def by_household(self) -> dict[int, int]:
        totals: dict[int, int] = {}
        for line in self.lines:
            totals[line.household_id] = totals.get(line.household_id, 0) + line.grams
        return totals


class AllocationError(ValueError):
    pass


def cap_grams(order: OrderSpec, share_cap: Decimal) -> int:
    if share_cap <= 0:
        raise AllocationError("share_cap must be positive")
    return int((Decimal(order.quantity_g) * share_cap).to_integral_value(rounding=ROUND_FLOOR))
