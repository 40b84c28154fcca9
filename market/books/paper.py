"""A voucher on paper (记账凭证 as printed): its lines cut into pages of a fixed number of rows.

Pure: plain values in, pages of rows out, no database and no rendering. 会计基础工作规范 第五十一条:
a voucher too long for one sheet continues on the next under the same number, each sheet numbered
(记字第 3 号 第 1/3 页); a sheet that continues carries its running total forward on a 过次页 row,
and the next sheet opens with the same total on a 承前页 row; only the last sheet has the 合计 row
with the amount in capitals (大写).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..units import Money
from ..weighing.capitals import amount_in_capitals

#: rows of entries on one sheet of voucher paper (the usual printed form has five)
LINES_PER_PAGE = 5


@dataclass(frozen=True)
class PaperLine:
    """One entry (分录) as the paper shows it."""

    summary: str
    account: str          # 总账科目, e.g. "2221 应交税费"
    detail: str           # 明细科目 and the party of 辅助核算, e.g. "应交增值税(进项税额)" or "张秀英"
    debit: Money
    credit: Money


@dataclass(frozen=True)
class PaperVoucher:
    """What the paper needs of a voucher: plain values, the signatures as names ("" when unsigned)."""

    word: str              # 记
    number: int | None     # None before it is posted
    day: date
    attachments: int
    lines: tuple[PaperLine, ...]
    chief: str = ""        # 会计主管
    poster: str = ""       # 记账
    approver: str = ""     # 审核
    cashier: str = ""      # 出纳
    preparer: str = ""     # 制单
    red: bool = False      # a 红字 reversal


@dataclass(frozen=True)
class PaperPage:
    voucher: PaperVoucher
    index: int             # 1-based
    count: int
    rows: tuple[PaperLine, ...]
    #: the total of the sheets before this one (承前页); None on the first sheet
    brought_debit: Money | None
    brought_credit: Money | None
    #: the total of this sheet and the ones before it: 过次页 on a continuing sheet, 合计 on the last
    debit: Money = field(default_factory=Money)
    credit: Money = field(default_factory=Money)
    #: blank ruled rows after the entries so every sheet has the same height
    blank_rows: int = 0

    @property
    def last(self) -> bool:
        return self.index == self.count

    @property
    def capitals(self) -> str:
        """人民币… in 大写, on the last sheet only (a continuing sheet's total is not the voucher's)."""
        return "人民币" + amount_in_capitals(self.debit) if self.last else ""


def ledger_and_detail(code: str, name: str, ledger_name: str | None) -> tuple[str, str]:
    """总账科目 and 明细科目 of an account: a four-digit account is its own 总账 with no 明细; a
    sub-account (560101) shows under its four-digit 总账 (5601 销售费用) with its own name as 明细.
    ``ledger_name`` is the four-digit account's name when it exists; a sub-account named
    "应交税费—应交增值税(进项税额)" without one splits at the dash."""
    top = code[:4]
    if code == top:
        return f"{code} {name}", ""
    if ledger_name:
        prefix = f"{ledger_name}—"
        return f"{top} {ledger_name}", name[len(prefix):] if name.startswith(prefix) else name
    if "—" in name:
        head, _dash, tail = name.partition("—")
        return f"{top} {head}", tail
    return f"{code} {name}", ""


def paginate(voucher: PaperVoucher, per_page: int = LINES_PER_PAGE) -> list[PaperPage]:
    """The voucher's sheets: ``per_page`` entries each (at least one sheet, even with no lines)."""
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    chunks = [voucher.lines[start:start + per_page] for start in range(0, len(voucher.lines), per_page)] or [()]
    pages: list[PaperPage] = []
    debit = credit = Money()
    for index, rows in enumerate(chunks, start=1):
        brought = (debit, credit) if index > 1 else (None, None)
        for line in rows:
            debit += line.debit
            credit += line.credit
        pages.append(PaperPage(voucher=voucher, index=index, count=len(chunks), rows=tuple(rows),
                               brought_debit=brought[0], brought_credit=brought[1], debit=debit, credit=credit,
                               blank_rows=per_page - len(rows)))
    return pages


def label(voucher: PaperVoucher) -> str:
    """记字第 3 号 (记字第 __ 号 before posting)."""
    return f"{voucher.word}字第 {voucher.number if voucher.number else '____'} 号"
