"""JSON shapes of the chart of accounts, periods and vouchers."""
from __future__ import annotations

import marshmallow as ma

from models import AccountKind, PartyType, VoucherStatus

from ...api.schemas import ExactNumber
from .. import common, vouchers
from .fields import MONTH, money


# --- accounts and periods -------------------------------------------------------------------------

class AccountSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.Function(lambda a: a.kind.value)
    party_type = ma.fields.Function(lambda a: a.party_type.value,
                                    metadata={"description": "辅助核算: which party the account's lines carry"})
    active = ma.fields.Boolean()


class AccountCreateSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=16), metadata={
        "description": "digits only: four for a first-level account (小企业会计准则), or an existing account's "
                       "code and two more digits for a sub-account", "example": "560101"})
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64), metadata={"example": "运输费"})
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in AccountKind]), metadata={
        "description": "a first-level account's kind fits its first digit; a sub-account has its parent's kind"})
    party_type = ma.fields.String(load_default=PartyType.NONE.value,
                                  validate=ma.validate.OneOf([t.value for t in PartyType]),
                                  metadata={"description": "辅助核算: which party the account's lines carry"})


class AccountUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=64))
    party_type = ma.fields.String(validate=ma.validate.OneOf([t.value for t in PartyType]), metadata={
        "description": "辅助核算; refused (409) once a voucher line uses the account, and on standard accounts"})
    active = ma.fields.Boolean(metadata={
        "description": "false retires the account from new vouchers; refused (409) for standard accounts, while a "
                       "balance is left in posted vouchers, while vouchers awaiting review use it, or while it has "
                       "active sub-accounts"})


class PeriodSchema(ma.Schema):
    id = ma.fields.Integer()
    period = ma.fields.Function(lambda p: str(p), metadata={"description": "YYYY-MM"})
    year = ma.fields.Integer()
    month = ma.fields.Integer()
    status = ma.fields.Function(lambda p: p.status.value, metadata={"enum": ["open", "closed"]})
    last_number = ma.fields.Integer(metadata={"description": "vouchers posted (numbers 1..n, gapless)"})
    closed_at = ma.fields.AwareDateTime(allow_none=True)


class PeriodCreateSchema(ma.Schema):
    period = ma.fields.String(required=True, **MONTH)


class PeriodReasonSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


# --- vouchers ---------------------------------------------------------------------------------------

class VoucherLineSchema(ma.Schema):
    line_no = ma.fields.Integer()
    account_code = ma.fields.Function(lambda l: l.account.code)
    account_name = ma.fields.Function(lambda l: l.account.name)
    party_type = ma.fields.Function(lambda l: l.party_type.value)
    party_id = ma.fields.Integer(allow_none=True)
    party_name = ma.fields.Function(lambda l: l.party_name or common.party_name(l.party_type, l.party_id),
                                    metadata={"description": "the party's name as recorded when the voucher was prepared"})
    debit = money()
    credit = money()
    memo = ma.fields.String()


def _who(attribute: str) -> ma.fields.Function:
    return ma.fields.Function(lambda v: (lambda u: {"id": u.id, "name": u.name} if u else None)(getattr(v, attribute)),
                              metadata={"description": "{id, name} or null"})


class VoucherSchema(ma.Schema):
    id = ma.fields.Integer()
    period = ma.fields.Function(lambda v: str(v.period), metadata={"description": "YYYY-MM"})
    number = ma.fields.Integer(allow_none=True, metadata={"description": "given at posting, gapless per period"})
    label = ma.fields.Function(lambda v: vouchers.voucher_label(v), metadata={"example": "记-3"})
    voucher_date = ma.fields.Date()
    summary = ma.fields.String(metadata={"description": "摘要"})
    attachments = ma.fields.Integer()
    status = ma.fields.Function(lambda v: v.status.value, metadata={"enum": [s.value for s in VoucherStatus]})
    source = ma.fields.Function(lambda v: v.source.value)
    source_id = ma.fields.Integer(allow_none=True)
    reverses_id = ma.fields.Integer(allow_none=True, metadata={"description": "the voucher this 红字 voucher reverses"})
    idempotency_key = ma.fields.String()
    total = ma.fields.Function(lambda v: f"{vouchers.voucher_total(v):.2f}",
                               metadata={"type": "string", "description": "Σ debit = Σ credit, 元"})
    prepared_by = _who("prepared_by")
    approved_by = _who("approved_by")
    posted_by = _who("posted_by")
    prepared_at = ma.fields.AwareDateTime()
    approved_at = ma.fields.AwareDateTime(allow_none=True)
    posted_at = ma.fields.AwareDateTime(allow_none=True)
    rejected_reason = ma.fields.String()
    lines = ma.fields.List(ma.fields.Nested(VoucherLineSchema))


class VoucherListArgsSchema(ma.Schema):
    period = ma.fields.String(load_default=None, **MONTH)
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf([s.value for s in VoucherStatus]))
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))


class VoucherLineCreateSchema(ma.Schema):
    account_code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=16))
    debit = ExactNumber(load_default="0", metadata={"description": "元, as a string", "example": "5000.00"})
    credit = ExactNumber(load_default="0", metadata={"description": "元, as a string", "example": "0"})
    party_type = ma.fields.String(load_default="none", validate=ma.validate.OneOf([p.value for p in PartyType]))
    party_id = ma.fields.Integer(load_default=None, allow_none=True)
    memo = ma.fields.String(load_default="", validate=ma.validate.Length(max=255))


class VoucherCreateSchema(ma.Schema):
    """制单: a manual voucher awaiting review. ``creates`` (the Idempotency-Key header) makes a retry
    return the same voucher."""

    voucher_date = ma.fields.Date(required=True)
    summary = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))
    attachments = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=999))
    lines = ma.fields.List(ma.fields.Nested(VoucherLineCreateSchema), required=True,
                           validate=ma.validate.Length(min=2, max=50))


class VoucherReasonSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class ReversalCreateSchema(VoucherReasonSchema):
    voucher_date = ma.fields.Date(load_default=None, allow_none=True,
                                  metadata={"description": "the red voucher's date; defaults to today"})
