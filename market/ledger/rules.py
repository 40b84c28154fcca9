"""The ledger's rules as pure functions over plain values (DESIGN.md §6).

A voucher (记账凭证) is a list of lines; each line is on one account, optionally for a party
(辅助核算), and is a debit xor a credit, strictly positive, in whole fen. A voucher balances
when its debits equal its credits to the fen — no tolerance, since amounts are integers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Sequence


class LedgerRuleError(ValueError):
    """A voucher that breaks a rule; ``code`` names the rule."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


@dataclass(frozen=True)
class Line:
    account: str
    debit_fen: int = 0
    credit_fen: int = 0
    party: str | None = None
    memo: str = ""


def check_line(line: Line) -> None:
    for value in (line.debit_fen, line.credit_fen):
        if not isinstance(value, int) or isinstance(value, bool):
            raise LedgerRuleError("not_integer_fen", repr(value))
    if line.debit_fen < 0 or line.credit_fen < 0:
        raise LedgerRuleError("negative_amount", line.account)
    if (line.debit_fen > 0) == (line.credit_fen > 0):
        raise LedgerRuleError("debit_xor_credit", line.account)


def check_voucher(lines: Sequence[Line]) -> None:
    """:raises LedgerRuleError: fewer than two lines, a bad line, or debits ≠ credits."""
    if len(lines) < 2:
        raise LedgerRuleError("too_few_lines")
    for line in lines:
        check_line(line)
    debits = sum(line.debit_fen for line in lines)
    credits = sum(line.credit_fen for line in lines)
    if debits != credits:
        raise LedgerRuleError("unbalanced", f"debits {debits} ≠ credits {credits}")


def reversal(lines: Sequence[Line]) -> list[Line]:
    """红字冲销: the same lines with negative amounts are not allowed (every line is > 0), so the
    reversal swaps each line's side; posted together with the original every account nets to
    zero."""
    return [Line(line.account, debit_fen=line.credit_fen, credit_fen=line.debit_fen, party=line.party,
                 memo=line.memo) for line in lines]


def balances(vouchers: Iterable[Sequence[Line]]) -> dict[tuple[str, str | None], int]:
    """Debit-positive balance per (account, party)."""
    totals: dict[tuple[str, str | None], int] = {}
    for lines in vouchers:
        for line in lines:
            key = (line.account, line.party)
            totals[key] = totals.get(key, 0) + line.debit_fen - line.credit_fen
    return totals


def trial_balance_is_zero(vouchers: Iterable[Sequence[Line]]) -> bool:
    return sum(balances(vouchers).values()) == 0


def gapless(numbers: Iterable[int]) -> bool:
    """Voucher numbers of one period are exactly 1..N."""
    ordered = sorted(numbers)
    return ordered == list(range(1, len(ordered) + 1))


def chain_hash(previous: str, *, voucher_date: str, number: int, period: str, summary: str,
               lines: Iterable[tuple[str, str, int | None, int, int]]) -> str:
    """The tamper-evident hash of a posted voucher: SHA-256 over the previous posted voucher's
    hash in the same period ("" for the first) and the voucher's content — date (ISO), number,
    period (``YYYY-MM``), summary and each line as (account code, party type, party id, debit
    fen, credit fen), in line order. Changing any of these, or removing a voucher before it,
    changes every later hash of the period."""
    import hashlib
    import json

    body = json.dumps([previous, voucher_date, number, period, summary,
                       [[code, party_type, party_id, int(debit), int(credit)]
                        for code, party_type, party_id, debit, credit in lines]],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# --- period end (期末结转) -------------------------------------------------------------------------

#: 3103 本年利润 and 3104 利润分配 (小企业会计准则)
PROFIT_THIS_YEAR = "3103"
PROFIT_DISTRIBUTION = "3104"
#: 应交增值税 (its third-level accounts hold 进项/销项/转出…), 转出未交增值税, 未交增值税
VAT_DUE = "222101"
VAT_TRANSFERRED_OUT = "22210104"
VAT_UNPAID = "222102"


def unpaid_vat_transfer(vat_due_balance: int) -> list[Line]:
    """月末转出未交增值税: when 222101 应交增值税 (all its sub-accounts together, debit-positive)
    ends the month with a credit balance — output tax and transfers out above the input tax and
    the credit brought forward — that amount is the month's tax to pay: 借22210104 转出未交增值税,
    贷222102 未交增值税, leaving 222101 at zero. A debit balance is 留抵 and stays: no lines."""
    if vat_due_balance >= 0:
        return []
    amount = -vat_due_balance
    return [Line(VAT_TRANSFERRED_OUT, debit_fen=amount), Line(VAT_UNPAID, credit_fen=amount)]



def carry_forward(balances: dict[tuple[str, str | None], int]) -> list[Line]:
    """期末结转损益: the lines that bring every 损益类 balance to zero against 3103 本年利润.

    :param balances: debit-positive balance in fen per (损益类 account, party) at the period's end.

    Each account with a credit balance (revenue) is debited, each with a debit balance (cost,
    expense) credited; 3103 takes the difference: credited with a profit, debited with a loss. No
    balance, no lines. The lines balance by construction.
    """
    lines = []
    for (code, party), balance in sorted(balances.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        if balance < 0:
            lines.append(Line(code, debit_fen=-balance, party=party))
        elif balance > 0:
            lines.append(Line(code, credit_fen=balance, party=party))
    profit = -sum(balances.values())
    if profit > 0:
        lines.append(Line(PROFIT_THIS_YEAR, credit_fen=profit))
    elif profit < 0:
        lines.append(Line(PROFIT_THIS_YEAR, debit_fen=-profit))
    return lines


def year_end_carry(profit_this_year_balance: int) -> list[Line]:
    """年末结转本年利润: 3103's balance (debit-positive) to 3104 利润分配 — a profit (credit balance)
    debits 3103 and credits 3104, a loss the reverse. Nothing when 3103 is already zero."""
    amount = abs(profit_this_year_balance)
    if profit_this_year_balance < 0:
        return [Line(PROFIT_THIS_YEAR, debit_fen=amount), Line(PROFIT_DISTRIBUTION, credit_fen=amount)]
    if profit_this_year_balance > 0:
        return [Line(PROFIT_DISTRIBUTION, debit_fen=amount), Line(PROFIT_THIS_YEAR, credit_fen=amount)]
    return []


def lowest_balance(movements: Iterable[tuple[date, int]], on: date, change: int) -> tuple[date, int]:
    """The lowest running balance of an account from ``on`` onward once ``change`` is added on ``on``:
    (the day it is reached, fen). ``movements`` are the account's other net changes by day, in any
    order; a later day's movements count after ``change``, so a payment dated in the past cannot
    leave any day since below what it may be."""
    by_day: dict[date, int] = {}
    for day, fen in movements:
        by_day[day] = by_day.get(day, 0) + fen
    balance = sum(fen for day, fen in by_day.items() if day < on) + change + by_day.get(on, 0)
    lowest = (on, balance)
    for day in sorted(d for d in by_day if d > on):
        balance += by_day[day]
        if balance < lowest[1]:
            lowest = (day, balance)
    return lowest
