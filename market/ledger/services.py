"""The ledger's services: chart of accounts, vouchers through review, reversals, periods, verify.

Split by concern, each under 500 lines: :mod:`.accounts` (the standard chart, accounts looked up for
a voucher's lines), :mod:`.vouchers` (prepare, review,
post with its number and hash chain, reject, reverse, withdraw), :mod:`.periods` (closing vouchers,
close, reopen, the trial balance) and :mod:`.verification` (``flask ledger verify``). Periods build on
vouchers and verification on both, never the other way, so the period's lock is taken in one place
(:func:`.vouchers.post`, and closing or reopening under the same row lock). Callers keep importing
from here: every name the ledger's services had is still one of this module's.
"""
from __future__ import annotations

from .accounts import *  # noqa: F401,F403
from .accounts import _accounts_for_lines  # noqa: F401
from .periods import *  # noqa: F401,F403
from .periods import (_account_balance, _balance_under, _last_day, _line_inputs,  # noqa: F401
                      _profit_and_loss_balances)
from .verification import *  # noqa: F401,F403
from .verification import (_anchor_problems, _audit_problems, _chain_problems, _dating_problems,  # noqa: F401
                           _period_events, _reopening_problems)
from .vouchers import *  # noqa: F401,F403
from .vouchers import (_approve_and_post, _body, _chain_hash, _chain_lines,  # noqa: F401
                       _fen, _names_now, _refuse_before_closed, _refuse_beyond_the_cashier, _refuse_generated,
                       _refuse_party_balance_by_hand)
