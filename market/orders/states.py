"""The buyer order's life, as a table."""
from __future__ import annotations

from models import OrderStatus as S

from ..states import StateMachine

ORDER = StateMachine("buyer_order", {
    (S.DRAFT, "open"): S.OPEN,
    (S.OPEN, "allocate"): S.ALLOCATED,
    (S.ALLOCATED, "allocate"): S.ALLOCATED,     # a supplementary run for a shortfall
    (S.ALLOCATED, "start_collection"): S.COLLECTING,
    (S.OPEN, "fill_from_stock"): S.COLLECTING,       # part (or all) of it picked from the warehouse
    (S.ALLOCATED, "fill_from_stock"): S.COLLECTING,
    (S.COLLECTING, "fill_from_stock"): S.COLLECTING,
    (S.COLLECTING, "allocate"): S.COLLECTING,
    (S.COLLECTING, "ship"): S.SHIPPED,
    (S.SHIPPED, "receive"): S.RECEIVED,
    (S.RECEIVED, "settle"): S.SETTLED,
    (S.SETTLED, "unsettle"): S.RECEIVED,  # its settlement reversed (冲销): to be settled again
    (S.DRAFT, "cancel"): S.CANCELLED,
    (S.OPEN, "cancel"): S.CANCELLED,
    (S.ALLOCATED, "cancel"): S.CANCELLED,
})

#: an allocation may be run while the order is in one of these
ALLOCATABLE = frozenset({S.OPEN, S.ALLOCATED, S.COLLECTING})
