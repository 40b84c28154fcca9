"""Business actions of purchase contracts (订单收购), market quotes (行情) and prepayments, in one
place for their callers: each lives in the module of its aggregate (``quotes``,
``purchase_contracts``, ``prepayments``; what they share in ``common``).

Services check permissions, validate with field errors, audit, flush and never commit.
"""
from __future__ import annotations

from ..clock import local_today
from .common import ACTIONS, CONTRACT_MANAGERS, PREPAYMENT_RECORDERS, QUOTE_RECORDERS
from .prepayments import contract_value, deposit_cap, prepaid, prepayment_totals, record_prepayment
from .purchase_contracts import (activate, contracts_statement, create_contract, delivered_totals, fulfil,
                                 get_contract, grade_price, next_contract_number, price_for_delivery, progress,
                                 seasons, sign, slips_statement, start_deliveries, terminate, transition)
from .quotes import correct_quote, known_sources, quote_for, quotes_statement, record_quote

__all__ = [
    "ACTIONS", "CONTRACT_MANAGERS", "PREPAYMENT_RECORDERS", "QUOTE_RECORDERS", "quote_for", "record_quote",
    "correct_quote", "quotes_statement", "known_sources", "grade_price", "price_for_delivery",
    "next_contract_number", "create_contract", "get_contract", "contracts_statement", "seasons", "transition",
    "sign", "activate", "fulfil", "terminate", "start_deliveries", "contract_value", "deposit_cap", "prepaid",
    "record_prepayment", "slips_statement", "progress", "delivered_totals", "prepayment_totals", "local_today",
]
