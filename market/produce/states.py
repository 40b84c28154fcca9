"""The produce lot's life: listed → allocated → collected → closed, or withdrawn while listed."""
from __future__ import annotations

from models import LotStatus as S

from ..states import StateMachine

LOT = StateMachine("produce_lot", {
    (S.LISTED, "allocate"): S.ALLOCATED,    # an allocation run gives it to a buyer order
    (S.LISTED, "withdraw"): S.WITHDRAWN,    # the household sold it elsewhere or it spoiled
    (S.ALLOCATED, "release"): S.LISTED,     # the order was cancelled before collection
    (S.ALLOCATED, "collect"): S.COLLECTED,  # weighed in the field
    (S.COLLECTED, "close"): S.CLOSED,       # settled and paid
})

#: the household (or staff) may change the lot and its photos only in these states
EDITABLE = frozenset({S.LISTED})
