"""The small-enterprise statements over random books: the 资产负债表 balances (资产总计 = 负债和所有者权益
总计) at any moment, carried forward or not, with 往来 grossed up by party; the 利润表's 净利润 is the
year's 损益类 movements; after the carry-forward, 3103 本年利润 holds exactly that 净利润."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from market.books import financial
from market.ledger import rules

#: first-level codes across every class, with sub-accounts and codes the standard has no line for
CODES = ["1001", "1002", "100201", "1012", "1122", "1123", "1221", "1405", "1403", "1602", "1601", "1901", "1999",
         "2001", "2202", "2203", "2221", "22210101", "22210102", "2241", "2999", "3001", "3103", "3104", "3999",
         "4001", "5001", "5301", "5401", "5403", "5601", "560101", "5602", "5603", "5711", "5801", "5999", "5111"]
PARTY_CODES = {"1122", "1123", "1221", "2202", "2203", "2241"}
PROFIT_AND_LOSS = [code for code in CODES if code.startswith("5")]


@st.composite
def vouchers(draw, codes=CODES):
    """Balanced vouchers over random accounts and parties, amounts to the fen."""
    out = []
    for _ in range(draw(st.integers(0, 12))):
        amounts = draw(st.lists(st.integers(1, 10**8), min_size=1, max_size=3))
        total = sum(amounts)
        lines = []
        for amount in amounts:
            code = draw(st.sampled_from(codes))
            party = f"household:{draw(st.integers(1, 3))}" if code in PARTY_CODES else None
            lines.append(rules.Line(code, debit_fen=amount, party=party))
        code = draw(st.sampled_from(codes))
        party = f"buyer:{draw(st.integers(1, 3))}" if code in PARTY_CODES else None
        lines.append(rules.Line(code, credit_fen=total, party=party))
        out.append(lines)
    return out


def balances(books) -> list[financial.Balance]:
    return [financial.Balance(code, fen, party) for (code, party), fen in rules.balances(books).items()]


@given(vouchers(), vouchers())
def test_the_balance_sheet_balances_for_random_books(last_year, this_year):
    sheet = financial.balance_sheet(balances(last_year + this_year), balances(last_year))
    assert sheet.balanced
    end, start = sheet.figure(30)
    assert sheet.figure(53) == (end, start)
    # every figure is a sum of its lines
    assert sheet.figure(15)[0] == sum(sheet.figure(row)[0] for row in financial.CURRENT_ASSETS)
    assert sheet.figure(52)[0] == sum(sheet.figure(row)[0] for row in financial.EQUITY)


@given(vouchers())
def test_receivables_and_payables_are_grossed_up_by_party(books):
    """No 往来 line is negative: a party's balance on the 'wrong' side shows on the other side's line."""
    figures = financial.balance_sheet_figures(balances(books))
    for row in (4, 5, 8, 33, 34, 39):
        assert figures[row] >= 0
    per_party = rules.balances(books)
    receivable = sum(fen for (code, _p), fen in per_party.items() if code in ("1122", "2203") and fen > 0)
    advance = sum(-fen for (code, _p), fen in per_party.items() if code in ("1122", "2203") and fen < 0)
    assert (figures[4], figures[34]) == (receivable, advance)


@given(vouchers([code for code in CODES if code not in ("3103", "3104")]), st.booleans())
def test_after_the_carry_forward_3103_holds_the_income_statements_net_profit(books, december):
    """A year's books (3103 starts the year at zero): carried forward, 3103 is the 利润表's 净利润."""
    movements: dict[str, int] = {}
    for lines in books:
        for line in lines:
            if line.account.startswith("5"):
                movements[line.account] = movements.get(line.account, 0) + line.debit_fen - line.credit_fen
    statement = financial.income_statement(movements, movements)
    assert statement.net_profit[0] == -sum(movements.values())
    carry = rules.carry_forward({key: fen for key, fen in rules.balances(books).items() if key[0].startswith("5")})
    carried = books + ([carry] if carry else [])
    if carry:
        rules.check_voucher(carry)
    after = rules.balances(carried)
    assert all(fen == 0 for (code, _p), fen in after.items() if code.startswith("5"))
    assert -after.get(("3103", None), 0) == statement.net_profit[1]
    # the balance sheet still balances, before and after, and 未分配利润 does not move with the carry
    before_sheet = financial.balance_sheet_figures(balances(books))
    after_sheet = financial.balance_sheet_figures(balances(carried))
    assert after_sheet[30] == after_sheet[53] and before_sheet[51] == after_sheet[51]
    if december:
        year_end = rules.year_end_carry(after.get(("3103", None), 0))
        if year_end:
            rules.check_voucher(year_end)
            closed = rules.balances(carried + [year_end])
            assert closed.get(("3103", None), 0) == 0
            assert financial.balance_sheet_figures(balances(carried + [year_end]))[51] == after_sheet[51]


def test_the_lines_and_row_numbers_are_the_standards():
    assert [row for row, *_ in financial.ASSET_LINES] == list(range(1, 31))
    assert [row for row, *_ in financial.LIABILITY_LINES] == list(range(31, 54))
    assert [row for row, *_ in financial.INCOME_LINES] == list(range(1, 33))
    figures = financial.income_figures({"5001": -100_000, "5401": 70_000, "5601": 12_055, "5301": -5_000,
                                        "5711": 3_000, "5801": 1_000})
    assert (figures[1], figures[2], figures[11], figures[21], figures[30], figures[32]) == (
        100_000, 70_000, 12_055, 17_945, 19_945, 18_945)
