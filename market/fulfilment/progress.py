"""How far the field collection of an order has come: pure, whole grams, no database.

Per allocation line (配货):

* **collected** — net grams on the line's confirmed weigh slips;
* **rejected** — grams sorted out in the field (田间剔除): picked, not bought, gone from the lot;
* **finished** — closed by the coordinator (the household has no more), or
  collected + rejected reached the allocation;
* **still expected** — what an unfinished line is yet to bring: allocated − collected − rejected.

The order's **shortfall** is what neither the scale nor the open lines will bring:
``quantity − collected − still expected``; a supplementary allocation run is asked for exactly that.
A slip may take a line past its allocation by one crate at most (scales and crates are not
exact); more needs its own allocation, so no kilogram is promised twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class LineFigures:
    allocated_g: int
    collected_g: int = 0
    rejected_g: int = 0
    closed: bool = False

    @property
    def finished(self) -> bool:
        return self.closed or self.collected_g + self.rejected_g >= self.allocated_g

    @property
    def expected_g(self) -> int:
        if self.finished:
            return 0
        return self.allocated_g - self.collected_g - self.rejected_g

    @property
    def short_g(self) -> int:
        """What a closure leaves uncollected (0 for a line that was filled)."""
        return max(0, self.allocated_g - self.collected_g - self.rejected_g)


@dataclass(frozen=True)
class OrderFigures:
    quantity_g: int
    allocated_g: int
    collected_g: int
    rejected_g: int
    expected_g: int

    @property
    def shortfall_g(self) -> int:
        return max(0, self.quantity_g - self.collected_g - self.expected_g)

    @property
    def percent_collected(self) -> int:
        """Whole percent of the ordered quantity on the scale, for a progress bar (at most 100)."""
        if self.quantity_g <= 0:
            return 0
        return min(100, self.collected_g * 100 // self.quantity_g)


def order_figures(quantity_g: int, lines: Iterable[LineFigures]) -> OrderFigures:
    lines = list(lines)
    return OrderFigures(
        quantity_g=quantity_g,
        allocated_g=sum(line.allocated_g for line in lines),
        collected_g=sum(line.collected_g for line in lines),
        rejected_g=sum(line.rejected_g for line in lines),
        expected_g=sum(line.expected_g for line in lines),
    )


def room_g(line: LineFigures, tolerance_g: int) -> int:
    """The most a new slip may add to the line: up to one crate (``tolerance_g``) past the allocation."""
    if line.closed:
        return 0
    return max(0, line.allocated_g + tolerance_g - line.collected_g - line.rejected_g)


def lot_collected(lines: Iterable[LineFigures], free_g: int) -> bool:
    """Whether a lot is done: every line it gives to is finished, and it has nothing left to
    offer (no free kilograms, or a line was closed because the household ran out)."""
    lines = list(lines)
    if not lines or not all(line.finished for line in lines):
        return False
    return free_g <= 0 or any(line.closed for line in lines)
