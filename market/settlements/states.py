"""The settlement's transition table (结算单状态)."""
from __future__ import annotations

from models import SETTLEMENT_COUNTING, SETTLEMENT_IN_BOOKS
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
    (S.POSTED, "reverse"): S.REVERSED,  # 冲销, through its reviewed reversal
    (S.PAID, "reverse"): S.REVERSED,
})

#: (defined with the model, so that input credits and the books read them without this package)
COUNTING = SETTLEMENT_COUNTING
IN_BOOKS = SETTLEMENT_IN_BOOKS
