"""JSON shapes of settlement reversals (结算单冲销). Money travels as a string with two decimals."""
from __future__ import annotations

import marshmallow as ma

from models import ReversalStatus

from ..api.schemas import SettlementActorSchema


class SettlementReversalListArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=2**31 - 1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))
    settlement_id = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=2**31 - 1))
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf([s.value for s in ReversalStatus]))


class SettlementReversalCreateSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    reverse_on = ma.fields.Date(load_default=None, allow_none=True, metadata={
        "description": "the date of its red vouchers; defaults to today, never later, never before the "
                       "settlement, never in or before a closed period"})


class CarriedPaymentSchema(ma.Schema):
    payment_id = ma.fields.Integer()
    payment_number = ma.fields.Function(lambda c: c.payment.number)
    buyer_id = ma.fields.Integer(allow_none=True)
    household_id = ma.fields.Integer(allow_none=True)
    amount = ma.fields.Decimal(as_string=True, places=2, metadata={"type": "string", "format": "decimal"})
    applied = ma.fields.Decimal(as_string=True, places=2, metadata={
        "type": "string", "format": "decimal", "description": "how much later settlements (the corrected one) took"})


class SettlementReversalSchema(ma.Schema):
    """A posted settlement's reversal as a whole, with its review."""

    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "CX2026-0001"})
    status = ma.fields.Function(lambda r: r.status.value, metadata={"enum": [s.value for s in ReversalStatus]})
    settlement_id = ma.fields.Integer()
    settlement_number = ma.fields.Function(lambda r: r.settlement.number)
    reverse_on = ma.fields.Date()
    reason = ma.fields.String()
    returned_reason = ma.fields.String()
    slips = ma.fields.Function(lambda r: [slip.serial for slip in r.slips], metadata={
        "description": "the weigh slips it released to be settled again, once posted"})
    carried = ma.fields.List(ma.fields.Nested(CarriedPaymentSchema), metadata={
        "description": "what payments had paid on the settlement, kept as paid in advance for the corrected one"})
    corrected_by = ma.fields.Method("_corrected", metadata={
        "description": "the settlement that corrects it, once prepared: {id, number, status}"})
    prepared_by = ma.fields.Nested(SettlementActorSchema, dump_only=True)
    prepared_at = ma.fields.AwareDateTime()
    reviewed_by = ma.fields.Nested(SettlementActorSchema, allow_none=True, dump_only=True)
    reviewed_at = ma.fields.AwareDateTime(allow_none=True)

    def _corrected(self, reversal):
        from .services import corrected_by
        settlement = corrected_by(reversal.settlement_id)
        if settlement is None:
            return None
        return {"id": settlement.id, "number": settlement.number, "status": settlement.status.value}
