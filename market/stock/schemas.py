"""JSON shapes of stock: the stock ledger (数量金额式明细账), counts (盘点), an order's stock lines.

Money travels as strings with two decimals, kilograms as strings with three; quantities sent in
are text with a unit ("400公斤", "800斤") or a number of kilograms as a string.
"""
from __future__ import annotations

import marshmallow as ma

from ..api.schemas import QuantityText, SettlementActorSchema, SettlementVoucherRefSchema


def _decimal(places: int, description: str, example: str, **kwargs) -> ma.fields.Decimal:
    metadata = {"type": "string", "format": "decimal", "description": description, "example": example,
                **kwargs.pop("metadata", {})}
    return ma.fields.Decimal(as_string=True, places=places, dump_only=True, allow_none=True, metadata=metadata,
                             **kwargs)


def _money(**kwargs) -> ma.fields.Decimal:
    return _decimal(2, "元, a string with two decimals", "2768.24", **kwargs)


def _weight(**kwargs) -> ma.fields.Decimal:
    return _decimal(3, "kilograms, a string with three decimals", "400.000", **kwargs)


class StockLedgerArgsSchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from", load_default=None, metadata={"description": "first day (default: the start)"})
    to = ma.fields.Date(load_default=None, metadata={"description": "last day (default: today)"})


class StockLedgerRowSchema(ma.Schema):
    moved_on = ma.fields.Date(allow_none=True)
    summary = ma.fields.String(metadata={"description": "摘要; 期初结存 and 本期合计 open and close each item"})
    kind = ma.fields.String(allow_none=True, metadata={
        "description": "receipt, sale_issue, count_surplus, count_loss_normal, count_loss_abnormal; null on the "
                       "opening and totals rows"})
    in_kg = _weight()
    in_price = _money(metadata={"description": "元/公斤, the value ÷ kg rounded for reading"})
    in_value = _money()
    out_kg = _weight()
    out_price = _money(metadata={"description": "元/公斤"})
    out_value = _money()
    balance_kg = _weight()
    balance_price = _money(metadata={"description": "元/公斤, the moving average cost"})
    balance_value = _money()


class StockItemLedgerSchema(ma.Schema):
    variety_id = ma.fields.Function(lambda book: book.variety.id)
    variety = ma.fields.Function(lambda book: book.variety.name)
    grade_id = ma.fields.Function(lambda book: book.grade.id)
    grade = ma.fields.Function(lambda book: book.grade.name)
    rows = ma.fields.List(ma.fields.Nested(StockLedgerRowSchema))


class StockLedgerSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(StockItemLedgerSchema))
    value = _money(metadata={"description": "the items' closing values added up"})
    account_1405 = _money(metadata={"description": "the balance of 1405 库存商品 from posted vouchers (to the end)"})


class OrderStockSetSchema(ma.Schema):
    quantity = QuantityText(required=True, metadata={
        "description": "e.g. 400公斤 or 800斤 (a bare number is kg); 0 takes the grade off", "example": "400公斤"})


class OrderStockLineSchema(ma.Schema):
    grade_id = ma.fields.Integer()
    grade = ma.fields.Function(lambda line: line.grade.name)
    quantity_kg = _weight()


class CountLineInSchema(ma.Schema):
    variety_id = ma.fields.Integer(required=True)
    grade_id = ma.fields.Integer(required=True)
    counted = QuantityText(required=True, metadata={"description": "what was found, e.g. 398公斤 (0 when none is left)",
                                                    "example": "398公斤"})
    loss_kind = ma.fields.String(load_default=None, allow_none=True,
                                 validate=ma.validate.OneOf(["normal", "abnormal"]),
                                 metadata={"description": "for a loss: normal (合理损耗) or abnormal (非正常损失)"})
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class CountCreateSchema(ma.Schema):
    counted_on = ma.fields.Date(load_default=None, allow_none=True)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))
    lines = ma.fields.List(ma.fields.Nested(CountLineInSchema), required=True,
                           validate=ma.validate.Length(min=1, max=500))


class CountLineSchema(ma.Schema):
    variety_id = ma.fields.Integer()
    grade_id = ma.fields.Integer()
    book_kg = _weight(metadata={"description": "账存 when the count was recorded"})
    counted_kg = _weight(metadata={"description": "实存"})
    loss_kind = ma.fields.Function(lambda line: line.loss_kind.value if line.loss_kind else None)
    reason = ma.fields.String()


class CountListArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))


class CountSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "PD2026-0001"})
    counted_on = ma.fields.Date()
    status = ma.fields.Function(lambda count: count.status.value, metadata={"description": "prepared, posted or discarded"})
    note = ma.fields.String()
    lines = ma.fields.List(ma.fields.Nested(CountLineSchema))
    prepared_by = ma.fields.Nested(SettlementActorSchema, dump_only=True)
    posted_by = ma.fields.Nested(SettlementActorSchema, dump_only=True, allow_none=True)
    posted_at = ma.fields.AwareDateTime(allow_none=True)
    voucher = ma.fields.Method("_voucher", metadata={"description": "its voucher once posted"})

    def _voucher(self, count):
        from .services import count_voucher
        voucher = count_voucher(count)
        return SettlementVoucherRefSchema().dump(voucher) if voucher else None
