"""Stock (库存商品) at moving weighted average cost: receipts, issues, counts (盘点), the stock ledger, in
one place for their callers: each lives in the module of what it holds (``movements``: a contract
batch's receipts, an order's stock lines and their issue, a reversal's; ``counts``; ``stock_ledger``:
the ledger read item by item and its ``verify``), what they share (an item's lock and balance, the
accounts, the roles) in ``common``; the pure costing rules in ``costing``.

- A posted **contract batch** settlement enters its deliveries as receipts, per variety and grade:
  their grams, and the batch's cost (the purchase less its input VAT, what 1405 is debited) split
  over the items by what the slips paid for each (largest remainder, ties to the smaller item).
- An **order filled from the warehouse** in part or in full carries stock lines (kilograms of a
  grade of the order's variety); posting the order's settlement issues them at cost, and the sale
  voucher of that settlement carries 借5401 / 贷1405 for it.
- A **count** (盘点) records what was found against the books with the reason for each difference;
  an accountant other than its preparer posts it: 盘盈 借1405 / 贷5301 营业外收入 (valued at the day's
  market quote, else at the item's own cost), normal shrink
  借5401 / 贷1405, abnormal loss 借5711 / 贷1405 + 贷22210103 进项税额转出 (``costing``).

Every movement of an item is taken under that item's lock and refused, with nothing written,
when it would take the quantity or the value below zero.
"""
from __future__ import annotations

from models import LossKind

from . import costing
from .common import (ACCOUNTANTS, COST_OF_SALES, FILLABLE, OTHER_EXPENSE, OTHER_INCOME, READERS, STAFF, STOCK,
                     SUMMARIES, InsufficientStock, balance_of, deduction_rate)
from .counts import (count_movements, count_voucher, count_voucher_lines, counts, discard_count, get_count,
                     market_price, post_count, prepare_count)
from .movements import (ItemReceipt, available_grams, batch_receipts, issue_for_order, issued_cost, receive_batch,
                        reserved_grams, reverse_settlement, set_order_stock, settlement_movements, stock_grams,
                        stock_lines)
from .stock_ledger import ItemLedger, LedgerRow, account_balance, items, ledger_of, stock_ledger, verify

__all__ = [
    "LossKind", "costing", "ACCOUNTANTS", "COST_OF_SALES", "FILLABLE", "OTHER_EXPENSE", "OTHER_INCOME", "READERS", "STAFF",
    "STOCK", "SUMMARIES", "InsufficientStock", "balance_of", "deduction_rate", "count_movements", "count_voucher",
    "count_voucher_lines", "counts", "discard_count", "get_count", "market_price", "post_count", "prepare_count",
    "ItemReceipt", "available_grams", "batch_receipts", "issue_for_order", "issued_cost", "receive_batch",
    "reserved_grams", "reverse_settlement", "set_order_stock", "settlement_movements", "stock_grams", "stock_lines",
    "ItemLedger", "LedgerRow", "account_balance", "items", "ledger_of", "stock_ledger", "verify",
]
