"""The voucher on paper as pages of rows: five entries a sheet, 承前页/过次页 carrying the running
total, 合计 and 大写 on the last sheet only."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.books import paper
from market.units import Money


def _voucher(amounts: list[int]) -> paper.PaperVoucher:
    """Entries of these fen, each a debit and its matching credit."""
    lines = []
    for fen in amounts:
        lines.append(paper.PaperLine("摘要", "5601 销售费用", "", Money.from_fen(fen), Money()))
        lines.append(paper.PaperLine("摘要", "1001 库存现金", "", Money(), Money.from_fen(fen)))
    return paper.PaperVoucher(word="记", number=3, day=date(2026, 8, 21), attachments=2, lines=tuple(lines))


def test_twelve_lines_are_three_sheets_carrying_their_totals():
    voucher = _voucher([100_00 * (i + 1) for i in range(6)])  # 12 lines: 100, 100, 200, 200 … 600, 600
    pages = paper.paginate(voucher)
    assert [(p.index, p.count, len(p.rows), p.blank_rows) for p in pages] == [(1, 3, 5, 0), (2, 3, 5, 0),
                                                                              (3, 3, 2, 3)]
    first, second, last = pages
    assert first.brought_debit is None and not first.last and first.capitals == ""
    # 过次页 on sheet 1: 100+200+300 debits, 100+200 credits
    assert (first.debit, first.credit) == (Money("600"), Money("300"))
    assert (second.brought_debit, second.brought_credit) == (Money("600"), Money("300"))
    assert (second.debit, second.credit) == (Money("1500"), Money("1500"))  # +400+500, +300+400+500
    assert (last.brought_debit, last.brought_credit) == (second.debit, second.credit)
    assert (last.debit, last.credit) == (Money("2100"), Money("2100")) and last.last
    assert last.capitals == "人民币贰仟壹佰元整"


def test_an_empty_voucher_is_one_blank_sheet_and_five_fit_on_one():
    assert [(p.count, p.blank_rows, p.capitals) for p in paper.paginate(_voucher([]))] == [(1, 5, "人民币零元整")]
    five = _voucher([1, 2, 3])
    assert len(paper.paginate(paper.PaperVoucher(**{**five.__dict__, "lines": five.lines[:5]}))) == 1
    assert len(paper.paginate(five)) == 2
    with pytest.raises(ValueError):
        paper.paginate(_voucher([1]), per_page=0)


def test_the_capitals_of_the_issue_amount():
    lines = (paper.PaperLine("", "1122 应收账款", "超市", Money("10261.38"), Money()),
             paper.PaperLine("", "5001 主营业务收入", "", Money(), Money("10261.38")))
    voucher = paper.PaperVoucher(word="记", number=None, day=date(2026, 8, 21), attachments=0, lines=lines)
    assert paper.paginate(voucher)[0].capitals == "人民币壹万零贰佰陆拾壹元叁角捌分"
    assert paper.label(voucher) == "记字第 ____ 号"
    assert paper.label(_voucher([1])) == "记字第 3 号"


def test_ledger_and_detail_accounts():
    assert paper.ledger_and_detail("1001", "库存现金", None) == ("1001 库存现金", "")
    assert paper.ledger_and_detail("560101", "运费", "销售费用") == ("5601 销售费用", "运费")
    assert paper.ledger_and_detail("222101", "应交税费—应交增值税(进项税额)", None) == ("2221 应交税费",
                                                                                   "应交增值税(进项税额)")
    assert paper.ledger_and_detail("222101", "应交税费—应交增值税(进项税额)", "应交税费") == (
        "2221 应交税费", "应交增值税(进项税额)")
    assert paper.ledger_and_detail("560102", "杂费", None) == ("560102 杂费", "")


@given(st.lists(st.integers(min_value=1, max_value=10**10), max_size=40), st.integers(min_value=1, max_value=9))
def test_sheets_hold_every_line_once_and_carry_exact_running_totals(amounts, per_page):
    voucher = _voucher(amounts)
    pages = paper.paginate(voucher, per_page)
    assert [row for p in pages for row in p.rows] == list(voucher.lines)
    assert all(len(p.rows) + p.blank_rows == per_page for p in pages)
    assert len(pages) == max(1, -(-len(voucher.lines) // per_page))
    debit = credit = Money()
    for page in pages:
        assert (page.brought_debit, page.brought_credit) == ((None, None) if page.index == 1 else (debit, credit))
        debit += sum((r.debit for r in page.rows), Money())
        credit += sum((r.credit for r in page.rows), Money())
        assert (page.debit, page.credit) == (debit, credit)
        assert bool(page.capitals) == page.last
    assert pages[-1].debit == pages[-1].credit == Money.from_fen(sum(amounts))
