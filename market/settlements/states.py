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
