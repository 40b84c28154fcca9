"""The supermarket's acceptance rule (超市验收): pure, whole grams, no database.

1. Over-delivery is refused at the door: only what the order still lacks is inspected.
2. The defect rate of a sample decides, by the buyer's thresholds:

   * below ``accept_below_pct``: everything inspected is accepted;
   * from ``accept_below_pct`` up to ``reject_above_pct`` (both inclusive): the defect share of
     the inspected weight is deducted, rounded once to the gram (四舍五入);
   * above ``reject_above_pct``: everything is rejected.

So ``accepted + deducted + rejected = received`` always, rejected includes the over-delivery,
and the accepted weight never exceeds what was ordered.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


class Outcome(str, enum.Enum):
    """Values match ``models.ReceiptOutcome``."""

    ACCEPTED = "accepted"
    DEDUCTED = "deducted"
    REJECTED = "rejected"


class AcceptanceError(ValueError):
    def __init__(self, code: str, field: str) -> None:
        super().__init__(f"{field}: {code}")
        self.code = code
        self.field = field


@dataclass(frozen=True)
class Rules:
    accept_below_pct: Decimal
    reject_above_pct: Decimal


@dataclass(frozen=True)
class Acceptance:
    received_g: int
    #: beyond what the order still lacked: refused at the door (part of ``rejected_g``)
    over_order_g: int
    inspected_g: int
    deducted_g: int
    rejected_g: int
    accepted_g: int
    outcome: Outcome


def _percent(value: Decimal, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal):
        raise TypeError(f"{field} must be a Decimal")
    if not value.is_finite():
        raise AcceptanceError("not_a_number", field)
    if value < 0 or value > HUNDRED:
        raise AcceptanceError("out_of_range", field)
    return value


def assess(received_g: int, defect_pct: Decimal, ordered_g: int, rules: Rules) -> Acceptance:
    """Apply the buyer's rules to one delivery.

    :param received_g: what the supermarket's scale showed, grams, above zero
    :param defect_pct: defects found in the sample, 0–100
    :param ordered_g: what the order still lacks, grams
    :raises AcceptanceError: a weight or percentage out of range, thresholds out of order.
    """
    for name, value in (("received", received_g), ("ordered", ordered_g)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be whole grams")
    if received_g <= 0:
        raise AcceptanceError("not_positive", "received")
    if ordered_g < 0:
        raise AcceptanceError("negative", "ordered")
    pct = _percent(defect_pct, "defect_pct")
    accept_below = _percent(rules.accept_below_pct, "accept_below_pct")
    reject_above = _percent(rules.reject_above_pct, "reject_above_pct")
    if accept_below > reject_above:
        raise AcceptanceError("thresholds_out_of_order", "reject_above_pct")

    over = max(0, received_g - ordered_g)
    inspected = received_g - over
    if pct > reject_above:
        return Acceptance(received_g, over, inspected, 0, received_g, 0, Outcome.REJECTED)
    if pct < accept_below:
        return Acceptance(received_g, over, inspected, 0, over, inspected, Outcome.ACCEPTED)
    deducted = int((Decimal(inspected) * pct / HUNDRED).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return Acceptance(received_g, over, inspected, deducted, over, inspected - deducted, Outcome.DEDUCTED)
