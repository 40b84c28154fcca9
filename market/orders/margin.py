"""An order's expected margin (预估差价), per grade, before anything is picked. Pure.

What the company keeps of each kilogram is the delivered price the buyer pays, less what the
household is paid for that grade, less the expected logistics and packing per kilogram — the same
"margin" line the three-way settlement shows once the real costs are known (tax is settled there,
not here). A grade whose margin is below zero is sold at a loss for every kilogram picked in it:
the order may still be right (a buyer worth keeping, fruit that would spoil), but someone must say
why, and the order records it.

The whole order's margin lies between the worst and the best grade's margin times its quantity,
as the grade mix is known only after weighing.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Mapping

CENT = Decimal("0.01")


@dataclass(frozen=True)
class GradeMargin:
    grade_id: int
    farm_gate: Decimal
    #: 元/公斤 the company keeps: delivered price − farm-gate price − expected costs
    per_kg: Decimal

    @property
    def below_cost(self) -> bool:
        return self.per_kg < 0


def grade_margins(delivered: Decimal, farm_gate: Mapping[int, Decimal], cost_per_kg: Decimal) -> list[GradeMargin]:
    """One :class:`GradeMargin` per priced grade, in the order given (best grade first).

    Exact: every figure is a difference of prices to the fen, so nothing is rounded here."""
    return [GradeMargin(grade_id, price, delivered - price - cost_per_kg) for grade_id, price in farm_gate.items()]


def below_cost(margins: Iterable[GradeMargin]) -> list[GradeMargin]:
    """The grades sold at a loss."""
    return [m for m in margins if m.below_cost]


def order_range(quantity_kg: Decimal, margins: Iterable[GradeMargin]) -> tuple[Decimal, Decimal] | None:
    """The whole order's margin in 元 if every kilogram were of the worst / of the best grade
    (rounded half up to the fen); ``None`` without priced grades."""
    per_kg = [m.per_kg for m in margins]
    if not per_kg:
        return None
    return ((min(per_kg) * quantity_kg).quantize(CENT, ROUND_HALF_UP),
            (max(per_kg) * quantity_kg).quantize(CENT, ROUND_HALF_UP))
