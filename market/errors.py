"""Named domain errors, and how pages and the API show them.

Services raise these; views turn them into a flashed message or a form error, and the API
into one JSON shape::

    {"error": {"code": "rule_not_met", "message": "...", "fields": {"quantity": ["..."]}}}
"""
from __future__ import annotations

from typing import Any, Mapping

from flask_babel import lazy_gettext as _l


#: The business rules a refusal may name (``MarketError.rule``, ``error.rule`` in the API): stable
#: codes a client can act on, listed in the OpenAPI document. A rule is named here once.
RULES: dict[str, str] = {
    "cash_below_zero": "cash, a bank account or 1012 would go below zero on the voucher's date or a later day",
    "cashier_voucher_scope": "the cashier prepares only 收付款凭证, without revenue, receivables or payables",
    "voucher_unbalanced": "debits and credits of a voucher differ",
    "voucher_line_malformed": "a voucher line is not exactly one of debit or credit, above zero",
    "voucher_too_few_lines": "a voucher needs at least two lines",
    "deductions_exceed_buyer_total": "the buyer's agreed deductions exceed what the buyer owes",
    "payout_exceeds_owed": "a payout is more than the household is owed",
    "party_balance_by_document": "a voucher typed by hand may not move a balance kept per party by documents "
                                 "(1122, 1123, 1221, 2202): an adjustment, payment or settlement does",
    "allowance_exceeds_outstanding": "a sales allowance is more than the buyer still owes on the settlement",
    "correction_below_paid": "a price correction would leave a household owed less than it was already paid",
    "adjustment_needs_posted_sale": "an adjustment corrects a posted supermarket-order settlement only",
    "adjustment_self_review": "the person who prepared an adjustment cannot review it",
    "receipt_above_loaded": "more was received than the truck was loaded with, and no coordinator recorded why",
    "receipt_beyond_weighbridge_tolerance": "more was received than loaded, beyond the buyer's weighbridge tolerance",
    "period_closed": "the date falls in a closed period, or before one",
    "reversal_needs_posted_settlement": "only a posted (or paid) settlement is reversed",
    "reversal_exists": "the settlement already has a reversal waiting for review or posted",
    "reversal_self_review": "the person who prepared a settlement's reversal cannot review it",
    "reversal_adjustment_waiting": "an adjustment of the settlement waits for review; review or return it first",
    "reversal_stock_moved_since": "stock the settlement received was issued or counted since; it cannot be taken "
                                  "back out at its value",
}


class MarketError(Exception):
    """Base of every refusal a user can cause. ``message`` is already translated (lazily); ``rule``,
    when given, names the business rule that refused (a key of ``RULES``)."""

    status = 400
    code = "bad_request"
    default_message = _l("The request could not be carried out.")

    def __init__(self, message: Any = None, *, field: str | None = None,
                 fields: Mapping[str, list[Any]] | None = None, rule: str | None = None, **params: Any) -> None:
        if rule is not None and rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}: name it in market.errors.RULES")
        self.rule = rule
        self.message = message if message is not None else self.default_message
        self.params = params
        self.fields: dict[str, list[Any]] = {k: list(v) for k, v in (fields or {}).items()}
        if field is not None:
            self.fields.setdefault(field, []).append(self.message)
        super().__init__(str(self.message))

    def text(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text

    def field_texts(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, messages in self.fields.items():
            out[name] = [(str(m) % self.params) if self.params else str(m) for m in messages]
        return out

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.text()}
        if self.rule:
            body["rule"] = self.rule
        if self.fields:
            body["fields"] = self.field_texts()
        return {"error": body}


class ValidationFailed(MarketError):
    """Well-formed input a rule of the business refuses: a weight above the order, an account that
    does not exist, debits that do not equal credits. (Input the API document itself refuses — a
    wrong type, a missing field — is ``validation_error``, answered before any service runs.)"""

    status = 422
    code = "rule_not_met"
    default_message = _l("Some fields are not valid.")


class NotFound(MarketError):
    status = 404
    code = "not_found"
    default_message = _l("Not found.")


class PermissionDenied(MarketError):
    status = 403
    code = "forbidden"
    default_message = _l("You are not allowed to do this.")


class Conflict(MarketError):
    status = 409
    code = "conflict"
    default_message = _l("This conflicts with the current state.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _l("This step is not allowed from the current status.")


class IdempotencyConflict(Conflict):
    code = "idempotency_key_reused"
    default_message = _l("This Idempotency-Key was already used with a different request.")


class FieldErrors:
    """Collects field errors so a form shows every mistake at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[Any]] = {}

    def add(self, field: str, message: Any) -> None:
        self.fields.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(fields=self.fields)
