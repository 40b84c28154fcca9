"""The period-end books read from the posted ledger: 利润表 (会小企02), 资产负债表 (会小企01), the cash
and bank journals (现金日记账, 银行存款日记账) and the 辅助核算余额表 by household or by buyer.

The statements' arithmetic is :mod:`.financial` (pure); here the balances are read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from models import Account, PartyType, Period, User, Voucher, VoucherLine, VoucherSource, VoucherStatus, db

from ..errors import ValidationFailed
from ..ledger import services as ledger
from ..units import Money
from . import financial
from .common import ZERO, balance_side, party_names, require_reader, yuan
from .periods import Month
from .vouchers import number_label


def _month(period: Any) -> Month:
    return Month.parse(period) if period not in (None, "") else Month.current()


def _codes() -> dict[int, str]:
    return dict(db.session.execute(select(Account.id, Account.code)).all())


def _balances(until: Month) -> list[financial.Balance]:
    """Every (account, party)'s debit-positive balance in fen at the end of ``until``."""
    codes = _codes()
    return [financial.Balance(codes[account_id], Money(debit).fen - Money(credit).fen,
                              f"{PartyType(party_type).value}:{party_id}" if party_id else None)
            for account_id, party_type, party_id, debit, credit in ledger.posted_totals(until_period=until)]


# --- 资产负债表 ----------------------------------------------------------------------------------------

@dataclass
class BalanceSheetReport:
    month: Month
    period: Period | None
    sheet: financial.BalanceSheet

    @property
    def as_of(self) -> date:
        return self.month.last_day

    @property
    def balanced(self) -> bool:
        return self.sheet.balanced


def balance_sheet_of(actor: User, period: Any = None) -> BalanceSheetReport:
    """资产负债表 at the end of a month (default this month): 期末余额 at its end, 年初余额 at the end of
    the previous December."""
    require_reader(actor)
    month = _month(period)
    sheet = financial.balance_sheet(_balances(month), _balances(Month(month.year - 1, 12)))
    return BalanceSheetReport(month=month, period=month.period(), sheet=sheet)


# --- 利润表 --------------------------------------------------------------------------------------------

def _profit_and_loss_movements(first: Month, last: Month) -> dict[str, int]:
    """Debit-positive movements in fen per 损益类 account code over the months, posted, without the
    期末结转 vouchers (which bring them to zero) and their reversals."""
    key = Period.year * 100 + Period.month
    rows = db.session.execute(
        select(Account.code, func.coalesce(func.sum(VoucherLine.debit), 0), func.coalesce(func.sum(VoucherLine.credit), 0))
        .join(Voucher, VoucherLine.voucher_id == Voucher.id).join(Period, Voucher.period_id == Period.id)
        .join(Account, VoucherLine.account_id == Account.id)
        .where(Voucher.status == VoucherStatus.POSTED, Voucher.source != VoucherSource.CLOSING,
               Account.code.startswith(ledger.PROFIT_AND_LOSS_CLASS), key >= first.key, key <= last.key)
        .group_by(Account.code)).all()
    return {code: Money(debit).fen - Money(credit).fen for code, debit, credit in rows}


@dataclass
class IncomeStatementReport:
    month: Month
    period: Period | None
    statement: financial.IncomeStatement
    #: 3103 本年利润's credit balance at the month's end, in fen (what the carry-forwards brought there)
    profit_this_year_fen: int

    @property
    def carried(self) -> bool:
        """The month's 损益类 were carried forward: 本年利润 agrees with the year's 净利润."""
        return self.profit_this_year_fen == self.statement.net_profit[1]


def income_statement_of(actor: User, period: Any = None) -> IncomeStatementReport:
    """利润表 of a month (default this month): 本月金额 and 本年累计金额 (January to the month), from the
    posted 损益类 lines other than the carry-forward."""
    require_reader(actor)
    month = _month(period)
    statement = financial.income_statement(_profit_and_loss_movements(month, month),
                                           _profit_and_loss_movements(Month(month.year, 1), month))
    profit_account = db.session.scalar(select(Account.id).where(Account.code == ledger.PROFIT_THIS_YEAR))
    profit = -sum(Money(d).fen - Money(c).fen for a, _t, _p, d, c in ledger.posted_totals(until_period=month)
                  if a == profit_account)
    return IncomeStatementReport(month=month, period=month.period(), statement=statement, profit_this_year_fen=profit)


# --- 现金日记账 / 银行存款日记账 ------------------------------------------------------------------------

#: the accounts a journal is kept for: 1001 库存现金, 1002 银行存款 and their sub-accounts (a bank account each)
JOURNAL_ROOTS = ("1001", "1002")


@dataclass
class JournalEntry:
    day: date
    number: str
    summary: str
    #: 对方科目: the voucher's other accounts
    counterpart: str
    debit: Decimal
    credit: Decimal
    balance: Decimal

    @property
    def side(self) -> str:
        return balance_side(self.balance)


@dataclass
class JournalDay:
    day: date
    entries: list[JournalEntry]
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass
class Journal:
    account: Account
    month: Month
    period: Period | None
    opening: Decimal
    days: list[JournalDay] = field(default_factory=list)

    @property
    def title(self) -> str:
        return "现金日记账" if self.account.code.startswith("1001") else "银行存款日记账"

    @property
    def debit(self) -> Decimal:
        return sum((d.debit for d in self.days), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((d.credit for d in self.days), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit


def journal_accounts(actor: User) -> list[Account]:
    """1001, 1002 and each of their sub-accounts (one per bank account)."""
    require_reader(actor)
    return list(db.session.scalars(select(Account).where(
        Account.code.startswith(JOURNAL_ROOTS[0]) | Account.code.startswith(JOURNAL_ROOTS[1]))
        .order_by(Account.code)))


def journal_of(actor: User, account: Any = None, period: Any = None) -> Journal:
    """The 日记账 of 库存现金 or 银行存款 (or one bank account below it) for a month: the opening balance,
    each posted line in booking order with its running balance, each day's totals and balance."""
    require_reader(actor)
    code = str(account or JOURNAL_ROOTS[0]).strip()
    if not code.startswith(JOURNAL_ROOTS):
        raise ValidationFailed(_l("A journal is kept for 1001 库存现金 or 1002 银行存款 and their sub-accounts."),
                               field="account")
    found = db.session.scalar(select(Account).where(Account.code == code))
    if found is None:
        raise ValidationFailed(_l("There is no account %(code)s."), field="account", code=code)
    month = _month(period)
    ids = set(db.session.scalars(select(Account.id).where(Account.code.startswith(code))))
    previous = month.previous()
    opening = sum((yuan(d) - yuan(c) for a, _t, _p, d, c in ledger.posted_totals(until_period=previous) if a in ids),
                  ZERO)
    journal = Journal(account=found, month=month, period=month.period(), opening=opening)
    if journal.period is None:
        return journal
    vouchers = list(db.session.scalars(select(Voucher).where(
        Voucher.period_id == journal.period.id, Voucher.status == VoucherStatus.POSTED,
        Voucher.id.in_(select(VoucherLine.voucher_id).where(VoucherLine.account_id.in_(ids))))
        .order_by(Voucher.voucher_date, Voucher.number).options(selectinload(Voucher.lines))))  # one query for every line
    names = dict(db.session.execute(select(Account.id, Account.name)).all())
    balance = opening
    for voucher in vouchers:
        others = []
        for line in voucher.lines:
            if line.account_id not in ids and names[line.account_id] not in others:
                others.append(names[line.account_id])
        for line in voucher.lines:
            if line.account_id not in ids:
                continue
            balance += line.debit - line.credit
            entry = JournalEntry(voucher.voucher_date, number_label(voucher.number), voucher.summary,
                                 "、".join(others), line.debit, line.credit, balance)
            if not journal.days or journal.days[-1].day != voucher.voucher_date:
                journal.days.append(JournalDay(voucher.voucher_date, [], ZERO, ZERO, balance))
            day = journal.days[-1]
            day.entries.append(entry)
            day.debit += line.debit
            day.credit += line.credit
            day.balance = balance
    return journal


# --- 辅助核算余额表 -------------------------------------------------------------------------------------

PARTY_KINDS = (PartyType.HOUSEHOLD, PartyType.BUYER, PartyType.SUPPLIER)


@dataclass
class PartyBalanceRow:
    party_id: int
    party: str
    account: Account
    opening: Decimal
    debit: Decimal
    credit: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    @property
    def opening_side(self) -> str:
        return balance_side(self.opening)

    @property
    def closing_side(self) -> str:
        return balance_side(self.closing)


@dataclass
class PartyBalances:
    party_type: PartyType
    month: Month
    period: Period | None
    rows: list[PartyBalanceRow]

    def total(self, name: str) -> Decimal:
        return sum((getattr(row, name) for row in self.rows), ZERO)


def party_balances_of(actor: User, party_type: Any = None, period: Any = None) -> PartyBalances:
    """辅助核算余额表 of a month: per party (household or buyer) and account, the opening balance, the
    month's debits and credits and the closing balance, from posted vouchers."""
    require_reader(actor)
    try:
        kind = PartyType(party_type or PartyType.HOUSEHOLD.value)
    except ValueError:
        kind = None
    if kind not in PARTY_KINDS:
        raise ValidationFailed(_l("Choose households, buyers or suppliers."), field="party_type")
    month = _month(period)
    found = month.period()
    figures: dict[tuple[int, int], list[Decimal]] = {}
    for account_id, ptype, party_id, debit, credit in ledger.posted_totals(until_period=month):
        if PartyType(ptype) is kind and party_id:
            figures.setdefault((party_id, account_id), [ZERO, ZERO, ZERO])[0] += yuan(debit) - yuan(credit)
    if found is not None:
        for account_id, ptype, party_id, debit, credit in ledger.posted_totals(only_period=found):
            if PartyType(ptype) is kind and party_id:
                row = figures.setdefault((party_id, account_id), [ZERO, ZERO, ZERO])
                row[1] += yuan(debit)
                row[2] += yuan(credit)
    accounts = {a.id: a for a in db.session.scalars(select(Account))}
    names = party_names((kind, party_id) for party_id, _a in figures)
    rows = []
    for (party_id, account_id), (closing, debit, credit) in figures.items():
        if not (closing or debit or credit):
            continue
        rows.append(PartyBalanceRow(party_id, names.get((kind.value, party_id), f"#{party_id}"), accounts[account_id],
                                    opening=closing - debit + credit, debit=debit, credit=credit))
    rows.sort(key=lambda r: (r.party, r.party_id, r.account.code))
    return PartyBalances(party_type=kind, month=month, period=found, rows=rows)
