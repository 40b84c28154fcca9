"""The received peach order and the books to settle it in, as the settlements' tests have them."""
from __future__ import annotations

from tests.market.settlements.conftest import (  # noqa: F401  (fixtures)
    allocated, books, buyer, buyer_staff, collected, make_lot, make_order, received, reviewer, shipped, weigh,
)
