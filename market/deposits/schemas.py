"""JSON shapes of deposit closures (定金处理) and of the deposits still out.

Money travels as strings with two decimals ("1234.50"), so no float ever holds it.
"""
from __future__ import annotations

import marshmallow as ma

from models import DepositOutcome, PayoutMethod

from ..settlements.schemas import SettlementActorSchema, SettlementVoucherRefSchema


def _money(**kwargs) -> ma.fields.Decimal:
    metadata = {"type": "string", "format": "decimal", "description": "元, a string with two decimals",
                "example": "1360.00", **kwargs.pop("metadata", {})}
    return ma.fields.Decimal(as_string=True, places=2, dump_only=True, metadata=metadata, **kwargs)


def _person() -> ma.fields.Nested:
    return ma.fields.Nested(SettlementActorSchema, allow_none=True, dump_only=True)


class DepositClosureListArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))
    household_id = ma.fields.Integer(load_default=None)


class DepositClosureCreateSchema(ma.Schema):
    outcome = ma.fields.Enum(DepositOutcome, by_value=True, required=True, metadata={
        "description": "returned: the household pays the deposit back; forfeited: the company broke the contract "
                       "and the household keeps it; doubled: the household broke it and pays back twice"})
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000),
                              metadata={"description": "why the contract ended and who broke it"})
    closed_on = ma.fields.Date(load_default=None, allow_none=True, metadata={"description": "defaults to today"})
    method = ma.fields.Enum(PayoutMethod, by_value=True, load_default=None, allow_none=True,
                            metadata={"description": "how the money came back (returned, doubled)"})
    reference = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))
    signer = ma.fields.String(load_default="", validate=ma.validate.Length(max=64),
                              metadata={"description": "who took the cash (needed for cash)"})


class DepositClosureSchema(ma.Schema):
    """How a terminated contract's deposit ended, and its voucher."""

    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "DJ2026-0001"})
    contract_id = ma.fields.Integer()
    contract_number = ma.fields.Function(lambda c: c.contract.number)
    household_id = ma.fields.Integer()
    household_name = ma.fields.Function(lambda c: c.household.head_name)
    outcome = ma.fields.Enum(DepositOutcome, by_value=True)
    deposit = _money()
    received = _money()
    method = ma.fields.Enum(PayoutMethod, by_value=True, allow_none=True)
    reference = ma.fields.String()
    signer = ma.fields.String()
    closed_on = ma.fields.Date()
    reason = ma.fields.String()
    voucher = ma.fields.Function(lambda c: SettlementVoucherRefSchema().dump(c.voucher) if c.voucher else None)
    recorded_by = _person()
    created_at = ma.fields.AwareDateTime()
    voided_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "set when the closure is void"})
    void_reason = ma.fields.String()


class OpenDepositSchema(ma.Schema):
    contract_id = ma.fields.Function(lambda o: o.contract.id)
    contract_number = ma.fields.Function(lambda o: o.contract.number)
    household_id = ma.fields.Function(lambda o: o.contract.household_id)
    household_name = ma.fields.Function(lambda o: o.contract.household.head_name)
    terminated_reason = ma.fields.Function(lambda o: o.contract.terminated_reason)
    deposit = _money()
    unbooked = ma.fields.Integer(metadata={"description": "deposits paid out but not booked yet; book them first"})


class DepositsSchema(ma.Schema):
    open = ma.fields.List(ma.fields.Nested(OpenDepositSchema))
