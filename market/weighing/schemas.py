"""JSON shapes of weigh slips. Weights and money travel as strings, never floats."""
from __future__ import annotations

import marshmallow as ma

from models import DeductionKind, SlipStatus

from ..api import PageArgsSchema

_WEIGHT = {"metadata": {"description": "kilograms, three decimals, as a string"}}


def _weight(**kwargs):
    return ma.fields.Decimal(as_string=True, places=3, **_WEIGHT, **kwargs)


def _money(**kwargs):
    return ma.fields.Decimal(as_string=True, places=2, **kwargs)


class SlipLineSchema(ma.Schema):
    id = ma.fields.Integer()
    grade_id = ma.fields.Integer()
    grade_name = ma.fields.Function(lambda line: line.grade.name)
    net_kg = _weight()
    unit_price = _money(metadata={"description": "元/公斤 applied"})
    amount = _money()
    quote_id = ma.fields.Integer(allow_none=True)
    price_basis = ma.fields.String(metadata={"description": "fixed | floor | quote | quote_plus | base | spot"})


class SlipSchema(ma.Schema):
    id = ma.fields.Integer()
    serial = ma.fields.String()
    weighed_at = ma.fields.AwareDateTime()
    weigher_id = ma.fields.Integer()
    weigher_name = ma.fields.Function(lambda slip: slip.weigher.name)
    household_id = ma.fields.Integer()
    household_name = ma.fields.Function(lambda slip: slip.household.head_name)
    contract_id = ma.fields.Integer(allow_none=True)
    contract_number = ma.fields.Function(lambda slip: slip.contract.number if slip.contract else None)
    #: the allocation line (order collection) the slip was weighed against, if any
    allocation_id = ma.fields.Integer(allow_none=True)
    variety_id = ma.fields.Integer()
    plate = ma.fields.String()
    crates = ma.fields.Integer()
    gross_kg = _weight()
    tare_kg = _weight()
    deduction_kind = ma.fields.Enum(DeductionKind, by_value=True)
    deduction_value = ma.fields.Decimal(as_string=True, places=3, metadata={
        "description": "percent for percent, kg for fixed, kg per crate for per_unit"})
    deduction_kg = _weight()
    net_kg = _weight()
    amount = _money()
    status = ma.fields.Enum(SlipStatus, by_value=True)
    void_reason = ma.fields.String()
    voided_by_id = ma.fields.Integer(allow_none=True)
    voided_at = ma.fields.AwareDateTime(allow_none=True)
    replaces_id = ma.fields.Integer(allow_none=True)
    note = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    lines = ma.fields.List(ma.fields.Nested(SlipLineSchema))


class GradePartSchema(ma.Schema):
    grade_id = ma.fields.Integer(required=True)
    amount = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32), metadata={
        "description": "the grade's weight (e.g. \"120\" in the slip's unit, or \"240斤\") or its percent"})
    unit_price = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=32),
                                  metadata={"description": "spot purchases only: yuan per price_unit"})


_WEIGHT_TEXT = {"validate": ma.validate.Length(min=1, max=32)}


class SlipCreateSchema(ma.Schema):
    household_id = ma.fields.Integer(required=True)
    contract_id = ma.fields.Integer(load_default=None, allow_none=True)
    variety_id = ma.fields.Integer(required=True)
    weighed_at = ma.fields.AwareDateTime(load_default=None, allow_none=True,
                                         metadata={"description": "defaults to now"})
    plate = ma.fields.String(load_default="", validate=ma.validate.Length(max=16))
    crates = ma.fields.Integer(load_default=0, strict=True, validate=ma.validate.Range(min=0, max=100000))
    unit = ma.fields.String(load_default="kg", validate=ma.validate.OneOf(["jin", "kg", "t"]),
                            metadata={"description": "unit of bare weight numbers: jin, kg or t"})
    gross = ma.fields.String(required=True, **_WEIGHT_TEXT, metadata={"description": "e.g. \"1250.5\" or \"2501斤\""})
    tare = ma.fields.String(load_default="0", **_WEIGHT_TEXT)
    deduction_kind = ma.fields.Enum(DeductionKind, by_value=True, load_default=DeductionKind.NONE)
    deduction_value = ma.fields.String(load_default="0", **_WEIGHT_TEXT)
    split_mode = ma.fields.String(load_default="kg", validate=ma.validate.OneOf(["kg", "percent"]))
    price_unit = ma.fields.String(load_default="kg", validate=ma.validate.OneOf(["jin", "kg"]))
    grade_split = ma.fields.List(ma.fields.Nested(GradePartSchema), required=True,
                                 validate=ma.validate.Length(min=1, max=20))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))


class VoidSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))


class SlipListArgsSchema(PageArgsSchema):
    day = ma.fields.Date(load_default=None)
    household_id = ma.fields.Integer(load_default=None)
    contract_id = ma.fields.Integer(load_default=None)
    status = ma.fields.Enum(SlipStatus, by_value=True, load_default=None)
