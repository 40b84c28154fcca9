"""The fields the books' JSON shapes share. Money travels as a string with two decimals (元), weights
with three (公斤); never as a float. Balances are debit-positive with their side (借/贷/平) alongside."""
from __future__ import annotations

import marshmallow as ma


from .. import common


def money(**kwargs) -> ma.fields.Decimal:
    metadata = {"type": "string", "format": "decimal", "description": "元, a string with two decimals",
                "example": "1360.00", **kwargs.pop("metadata", {})}
    return ma.fields.Decimal(as_string=True, places=2, dump_only=True, metadata=metadata, **kwargs)


def weight(**kwargs) -> ma.fields.Decimal:
    return ma.fields.Decimal(as_string=True, places=3, dump_only=True, metadata={
        "type": "string", "format": "decimal", "description": "kilograms, a string with three decimals",
        "example": "200.000"}, **kwargs)


def price() -> ma.fields.Decimal:
    return ma.fields.Decimal(as_string=True, places=2, dump_only=True, metadata={
        "type": "string", "format": "decimal", "description": "元/公斤", "example": "6.80"})


def side(attribute: str) -> ma.fields.Function:
    return ma.fields.Function(lambda obj: common.balance_side(getattr(obj, attribute)),
                              metadata={"description": "借 (debit), 贷 (credit) or 平 (zero)", "enum": ["借", "贷", "平"]})


MONTH = {"validate": ma.validate.Regexp(r"^\d{4}-\d{2}$"), "metadata": {"description": "YYYY-MM", "example": "2026-08"}}
