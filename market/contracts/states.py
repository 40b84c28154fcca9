"""The purchase contract's life: draft → signed → active → fulfilled / terminated."""
from __future__ import annotations

from models import ContractStatus as S

from ..states import StateMachine

CONTRACT = StateMachine("purchase_contract", {
    (S.DRAFT, "sign"): S.SIGNED,
    (S.DRAFT, "terminate"): S.TERMINATED,
    (S.SIGNED, "activate"): S.ACTIVE,      # the season opens, or the first delivery is weighed
    (S.SIGNED, "terminate"): S.TERMINATED,
    (S.ACTIVE, "fulfil"): S.FULFILLED,
    (S.ACTIVE, "terminate"): S.TERMINATED,
})

#: states in which a delivery may be weighed against the contract
ACCEPTS_DELIVERIES = frozenset({S.SIGNED, S.ACTIVE})
