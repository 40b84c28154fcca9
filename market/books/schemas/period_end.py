"""JSON shapes of the period-end books: 利润表, 资产负债表, 日记账 and 辅助核算余额表."""
from __future__ import annotations

import marshmallow as ma


from ...units import Money
from .fields import MONTH, money


# --- period end: 利润表, 资产负债表, 日记账, 辅助核算余额表 ------------------------------------------------

def _fen_as_yuan(fen: int) -> str:
    return f"{Money.from_fen(fen).yuan:.2f}"


class StatementLineSchema(ma.Schema):
    row = ma.fields.Integer(metadata={"description": "行次 of the standard form"})
    name = ma.fields.String(metadata={"description": "项目"})
    indent = ma.fields.Integer(metadata={"description": "0 a line, 1 an 其中 line, 2 a subtotal, 3 a total"})


class IncomeLineSchema(StatementLineSchema):
    this_month = ma.fields.Function(lambda l: _fen_as_yuan(l.current), metadata={"description": "本月金额, 元"})
    year_to_date = ma.fields.Function(lambda l: _fen_as_yuan(l.previous), metadata={"description": "本年累计金额, 元"})


class IncomeStatementSchema(ma.Schema):
    period = ma.fields.Function(lambda r: str(r.month))
    period_status = ma.fields.Function(lambda r: r.period.status.value if r.period else None)
    form = ma.fields.Function(lambda r: "会小企02")
    lines = ma.fields.Function(lambda r: IncomeLineSchema(many=True).dump(r.statement.lines))
    net_profit_this_month = ma.fields.Function(lambda r: _fen_as_yuan(r.statement.net_profit[0]))
    net_profit_year_to_date = ma.fields.Function(lambda r: _fen_as_yuan(r.statement.net_profit[1]))
    profit_this_year_account = ma.fields.Function(
        lambda r: _fen_as_yuan(r.profit_this_year_fen),
        metadata={"description": "3103 本年利润's credit balance at the month's end"})
    carried = ma.fields.Function(lambda r: r.carried, metadata={
        "type": "boolean", "description": "3103 本年利润 equals the year's net profit (the months are carried forward)"})


class BalanceLineSchema(StatementLineSchema):
    section = ma.fields.String(metadata={"description": "the heading printed above the line, if any"})
    closing = ma.fields.Function(lambda l: _fen_as_yuan(l.current), metadata={"description": "期末余额, 元"})
    start_of_year = ma.fields.Function(lambda l: _fen_as_yuan(l.previous), metadata={"description": "年初余额, 元"})


class BalanceSheetSchema(ma.Schema):
    period = ma.fields.Function(lambda r: str(r.month))
    as_of = ma.fields.Function(lambda r: r.as_of.isoformat())
    period_status = ma.fields.Function(lambda r: r.period.status.value if r.period else None)
    form = ma.fields.Function(lambda r: "会小企01")
    balanced = ma.fields.Function(lambda r: r.balanced, metadata={"type": "boolean"})
    assets = ma.fields.Function(lambda r: BalanceLineSchema(many=True).dump(r.sheet.assets))
    liabilities_and_equity = ma.fields.Function(lambda r: BalanceLineSchema(many=True).dump(r.sheet.liabilities))


class JournalArgsSchema(ma.Schema):
    account = ma.fields.String(load_default="1001", metadata={
        "description": "1001 库存现金, 1002 银行存款, or one of their sub-accounts (a bank account)"})
    period = ma.fields.String(load_default=None, **MONTH)


class JournalEntrySchema(ma.Schema):
    day = ma.fields.Date()
    number = ma.fields.String(metadata={"description": "凭证号"})
    summary = ma.fields.String()
    counterpart = ma.fields.String(metadata={"description": "对方科目"})
    debit = money()
    credit = money()
    balance = money()


class JournalDaySchema(ma.Schema):
    day = ma.fields.Date()
    entries = ma.fields.List(ma.fields.Nested(JournalEntrySchema))
    debit = money()
    credit = money()
    balance = money()


class JournalSchema(ma.Schema):
    title = ma.fields.String(metadata={"description": "现金日记账 or 银行存款日记账"})
    account = ma.fields.Function(lambda j: j.account.code)
    account_name = ma.fields.Function(lambda j: j.account.name)
    period = ma.fields.Function(lambda j: str(j.month))
    opening = money()
    days = ma.fields.List(ma.fields.Nested(JournalDaySchema))
    debit = money()
    credit = money()
    closing = money()


class PartyBalancesArgsSchema(ma.Schema):
    party_type = ma.fields.String(load_default="household", validate=ma.validate.OneOf(["household", "buyer"]))
    period = ma.fields.String(load_default=None, **MONTH)


class PartyBalanceRowSchema(ma.Schema):
    party_id = ma.fields.Integer()
    party = ma.fields.String()
    account = ma.fields.Function(lambda r: r.account.code)
    account_name = ma.fields.Function(lambda r: r.account.name)
    opening = money(metadata={"description": "debit-positive"})
    debit = money()
    credit = money()
    closing = money(metadata={"description": "debit-positive"})


class PartyBalancesSchema(ma.Schema):
    party_type = ma.fields.Function(lambda r: r.party_type.value)
    period = ma.fields.Function(lambda r: str(r.month))
    rows = ma.fields.List(ma.fields.Nested(PartyBalanceRowSchema))
    debit = ma.fields.Function(lambda r: f"{r.total('debit'):.2f}")
    credit = ma.fields.Function(lambda r: f"{r.total('credit'):.2f}")
