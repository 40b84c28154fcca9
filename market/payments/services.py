"""Payments: the supermarket pays its receivable, households are paid what they are owed, in one
place for their callers: each lives in the module of what it pays (``payouts`` for households and
contract advances, ``batches``, ``receipts`` from buyers, ``supplier_payouts``), voiding in
``voiding``, the check against the books in ``verification``; what they share in ``common``.

A household payout never exceeds what the household is owed on posted settlements: the
household's row is locked, what is owed is read under that lock, and the payout is applied to
its oldest settlements first (the database refuses any line paid beyond its net). Cash needs the
name of who signed for it; a payout above ¥50,000 needs a supporting document's reference.
Each payment prepares its voucher, which goes through review like any other. Every payment
carries an idempotency key: the same key and body returns the original payment.
"""
from __future__ import annotations

from .batches import BANK_FILE_HEADER, bank_file, bank_rows, pay_batch, proposed_batch
from .common import ACCOUNTANTS, CASH_ACCOUNT, MAX_PAYMENT, PaymentInput, get
from .payouts import household_of, open_lines, owed, pay_household, pay_prepayment, unbooked_prepayments
from .receipts import receivable, receive_from_buyer
from .supplier_payouts import SUPPLIER_PAYABLE, pay_supplier, supplier_of, supplier_owed
from .verification import PARTY_SIDE, verify
from .voiding import void_payment

__all__ = [
    "ACCOUNTANTS", "CASH_ACCOUNT", "MAX_PAYMENT", "PaymentInput", "get", "household_of", "open_lines", "owed",
    "pay_household", "pay_prepayment", "unbooked_prepayments", "proposed_batch", "pay_batch", "BANK_FILE_HEADER",
    "bank_rows", "bank_file", "receivable", "receive_from_buyer", "SUPPLIER_PAYABLE", "supplier_of",
    "supplier_owed", "pay_supplier", "void_payment", "PARTY_SIDE", "verify",
]
