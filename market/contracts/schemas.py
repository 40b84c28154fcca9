"""JSON shapes of contracts, prepayments, progress and market quotes.

Money, weights, prices and percentages travel as strings ("6.50") so no float ever holds
them; prices are 元/公斤 unless a field says 斤.
"""
from __future__ import annotations

from decimal import Decimal

import marshmallow as ma

from models import ContractStatus, PrepaymentKind, PriceMechanism

from ..api.schemas import ExactNumber, QuantityText
from ..units import price_in_unit


def per_jin(price_per_kg) -> str:
    """元/斤 with at least two places: 6.00 → "3.00", 7.15 → "3.575"."""
    value = price_in_unit(price_per_kg, "jin")
    return str(value if value.as_tuple().exponent < -2 else value.quantize(Decimal("0.01")))


def _decimal_out(places: int, description: str) -> ma.fields.Decimal:
    return ma.fields.Decimal(as_string=True, places=places, dump_only=True, metadata={"description": description})


class GradePriceSchema(ma.Schema):
    grade_id = ma.fields.Integer()
    grade = ma.fields.Function(lambda p: p.grade.name)
    rank = ma.fields.Function(lambda p: p.grade.rank)
    price = _decimal_out(2, "元/公斤: the fixed price, the floor or the base price, by mechanism")
    price_per_jin = ma.fields.Function(lambda p: per_jin(p.price),
                                       metadata={"description": "元/斤"})


class ContractSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "HT2026-0001"})
    status = ma.fields.Enum(ContractStatus, by_value=True)
    household_id = ma.fields.Integer()
    household_name = ma.fields.Function(lambda c: c.household.head_name)
    season = ma.fields.String()
    variety_id = ma.fields.Integer()
    variety = ma.fields.Function(lambda c: c.variety.name)
    grade_table_id = ma.fields.Integer()
    main_grade_id = ma.fields.Integer()
    area_mu = _decimal_out(2, "亩")
    expected_kg = _decimal_out(3, "公斤")
    tolerance_pct = _decimal_out(2, "± percent")
    mechanism = ma.fields.Enum(PriceMechanism, by_value=True)
    premium_pct = _decimal_out(2, "market_plus: percent over the quote")
    bonus_per_kg = _decimal_out(2, "base_bonus: 元/公斤 promised later")
    quote_source = ma.fields.String()
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date()
    delivery_terms = ma.fields.String()
    signed_at = ma.fields.DateTime(allow_none=True)
    terminated_reason = ma.fields.String()
    created_at = ma.fields.DateTime()
    prices = ma.fields.Method("sorted_prices")

    def sorted_prices(self, contract):
        return GradePriceSchema(many=True).dump(sorted(contract.prices, key=lambda p: p.grade.rank))


class ContractQuerySchema(ma.Schema):
    season = ma.fields.String(load_default=None)
    status = ma.fields.Enum(ContractStatus, by_value=True, load_default=None)
    variety_id = ma.fields.Integer(load_default=None)
    household_id = ma.fields.Integer(load_default=None)
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))


class ContractCreateSchema(ma.Schema):
    household_id = ma.fields.Integer(required=True)
    season = ma.fields.String(required=True, metadata={"example": "2026"})
    variety_id = ma.fields.Integer(required=True)
    grade_table_id = ma.fields.Integer(load_default=None,
                                       metadata={"description": "defaults to the product's default table"})
    main_grade_id = ma.fields.Integer(required=True)
    area_mu = ExactNumber(required=True, metadata={"example": "3.5"})
    expected = QuantityText(required=True, data_key="expected_kg",
                           metadata={"description": "kilograms, or text with a unit: \"10000斤\", \"5吨\"",
                                     "example": "5000"})
    tolerance_pct = ExactNumber(load_default="5", metadata={"example": "5"})
    mechanism = ma.fields.Enum(PriceMechanism, by_value=True, required=True)
    grade_prices = ma.fields.Dict(keys=ma.fields.String(), values=ExactNumber(), required=True,
                                  metadata={"description": "grade id → price per price_unit, for every grade",
                                            "example": {"1": "8.00", "2": "6.00", "3": "4.00", "4": "1.00"}})
    price_unit = ma.fields.String(load_default="kg", validate=ma.validate.OneOf(["kg", "jin"]),
                                  metadata={"description": "kg: 元/公斤; jin: 元/斤 (converted exactly)"})
    premium_pct = ExactNumber(load_default="0")
    bonus_per_kg = ExactNumber(load_default="0", metadata={"description": "per price_unit"})
    quote_source = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    delivery_terms = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))


class TerminateSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(max=500))


class PrepaymentSchema(ma.Schema):
    id = ma.fields.Integer()
    contract_id = ma.fields.Integer()
    kind = ma.fields.Enum(PrepaymentKind, by_value=True)
    amount = _decimal_out(2, "元")
    paid_on = ma.fields.Date()
    note = ma.fields.String()
    created_at = ma.fields.DateTime()


class PrepaymentCreateSchema(ma.Schema):
    kind = ma.fields.Enum(PrepaymentKind, by_value=True, required=True)
    amount = ExactNumber(required=True, metadata={"example": "2000.00"})
    paid_on = ma.fields.Date(required=True)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class ProgressSchema(ma.Schema):
    contract_id = ma.fields.Integer()
    expected_kg = _decimal_out(3, "公斤")
    tolerance_pct = _decimal_out(2, "± percent")
    low_kg = _decimal_out(3, "the least delivery that fulfils the contract")
    high_kg = _decimal_out(3, "the most delivery that fulfils the contract")
    delivered_kg = _decimal_out(3, "net kg of confirmed weigh slips")
    remaining_kg = _decimal_out(3, "still to deliver to reach the expected quantity")
    percent = ma.fields.Integer(metadata={"description": "whole percent of the expected quantity, rounded down"})
    band = ma.fields.String(metadata={"description": "under | within | over the tolerance band"})
    amount = _decimal_out(2, "元: what the confirmed slips are worth")
    slip_count = ma.fields.Integer()
    deposits = _decimal_out(2, "元 of 定金 paid")
    advances = _decimal_out(2, "元 of 预付款 paid")
    deposit_closure = ma.fields.String(allow_none=True, metadata={
        "description": "a terminated contract's deposit closure (定金处理), e.g. DJ2026-0001; null while open"})
    deposit_outcome = ma.fields.String(allow_none=True, metadata={"description": "returned | forfeited | doubled"})


class QuoteSchema(ma.Schema):
    id = ma.fields.Integer()
    variety_id = ma.fields.Integer()
    variety = ma.fields.Function(lambda q: q.variety.name)
    grade_id = ma.fields.Integer()
    grade = ma.fields.Function(lambda q: q.grade.name)
    quoted_on = ma.fields.Date()
    price = _decimal_out(2, "元/公斤")
    price_per_jin = ma.fields.Function(lambda q: per_jin(q.price), metadata={"description": "元/斤"})
    source = ma.fields.String()
    created_at = ma.fields.DateTime()


class QuoteQuerySchema(ma.Schema):
    variety_id = ma.fields.Integer(load_default=None)
    grade_id = ma.fields.Integer(load_default=None)
    source = ma.fields.String(load_default=None)
    since = ma.fields.Date(load_default=None, metadata={"description": "default: six days before until"})
    until = ma.fields.Date(load_default=None, metadata={"description": "default: today"})
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))


class QuoteCreateSchema(ma.Schema):
    variety_id = ma.fields.Integer(required=True)
    grade_id = ma.fields.Integer(required=True)
    quoted_on = ma.fields.Date(required=True)
    price = ExactNumber(required=True, metadata={"example": "6.50"})
    unit = ma.fields.String(load_default="kg", validate=ma.validate.OneOf(["kg", "jin"]),
                            metadata={"description": "kg: 元/公斤; jin: 元/斤"})
    source = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64),
                              metadata={"example": "西安北郊果品市场"})


class QuoteCorrectionSchema(ma.Schema):
    price = ExactNumber(required=True)
    unit = ma.fields.String(load_default="kg", validate=ma.validate.OneOf(["kg", "jin"]))
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))

