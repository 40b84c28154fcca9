"""The settlement's transition table (结算单状态)."""
from __future__ import annotations

from models import SettlementStatus as S

from ..states import StateMachine

SETTLEMENT = StateMachine("settlement", {
    (S.DRAFT, "submit"): S.SUBMITTED,
    (S.SUBMITTED, "approve"): S.APPROVED,
    (S.SUBMITTED, "return"): S.DRAFT,
    (S.APPROVED, "return"): S.DRAFT,
    (S.APPROVED, "post"): S.POSTED,
    (S.POSTED, "pay"): S.PAID,
    (S.PAID, "unpay"): S.POSTED,   # a payout voided
})

#: statuses whose households' advances and input credit count as recovered (drafts too, so that two
#: settlements never recover the same 元)
COUNTING = (S.DRAFT, S.SUBMITTED, S.APPROVED, S.POSTED, S.PAID)
#: statuses whose vouchers are in the books
IN_BOOKS = (S.POSTED, S.PAID)
