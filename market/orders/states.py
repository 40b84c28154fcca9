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
    (S.COLLECTING, "ship"): S.SHIPPED,            # its last truck left
    (S.COLLECTING, "ship_part"): S.COLLECTING,    # a truck left; more will follow
    (S.COLLECTING, "receive_part"): S.COLLECTING,  # an earlier truck received while more are loaded
    (S.SHIPPED, "receive_part"): S.SHIPPED,       # a truck received while another is on the road
    (S.SHIPPED, "receive"): S.RECEIVED,           # every truck received
    (S.RECEIVED, "settle"): S.SETTLED,
    (S.SETTLED, "unsettle"): S.RECEIVED,  # its settlement reversed (冲销): to be settled again
    (S.DRAFT, "cancel"): S.CANCELLED,
    (S.OPEN, "cancel"): S.CANCELLED,
    (S.ALLOCATED, "cancel"): S.CANCELLED,
})

#: an allocation may be run while the order is in one of these
ALLOCATABLE = frozenset({S.OPEN, S.ALLOCATED, S.COLLECTING})
