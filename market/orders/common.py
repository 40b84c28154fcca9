"""What the orders' modules share: who manages orders, and reading numbers as people type them.

Buyers (:mod:`.buyers`), their orders (:mod:`.buyer_orders`), allocation runs (:mod:`.allocation_runs`)
and what the coordinator's board reads (:mod:`.supply`) are the services behind pages, API and
CLI. The allocation itself is the pure :mod:`.allocation`, the board's arithmetic the pure
:mod:`.board`.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from models import RoleName

from ..errors import FieldErrors as Errors
from ..units import Weight

ORDER_STAFF = (RoleName.COORDINATOR, RoleName.ADMIN)


def entered_decimal(value: Any, field: str, errors: Errors, message: Any) -> Decimal | None:
    if isinstance(value, float):
        raise TypeError("floats never touch money or weight")
    try:
        result = Decimal(str(value).strip())
    except Exception:  # InvalidOperation and friends: the input is not a number
        errors.add(field, message)
        return None
    if not result.is_finite():
        errors.add(field, message)
        return None
    return result


def to_grams(kg: Decimal) -> int:
    return Weight(kg).grams
