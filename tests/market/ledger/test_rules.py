"""Pure ledger rules: balance, debit xor credit, reversals net to zero, gapless numbers."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, strategies as st

from market.ledger import rules
from market.ledger.rules import (LedgerRuleError, Line, balances, check_voucher, gapless, reversal,
                                 trial_balance_is_zero)

ACCOUNTS = ["1002", "1122", "1123", "2202", "2221", "5001", "5401", "5601"]


@st.composite
def balanced_vouchers(draw):
    debits = draw(st.lists(st.integers(1, 10**12), min_size=1, max_size=5))
    total = sum(debits)
    credit_count = draw(st.integers(1, 5))
    cuts = sorted(draw(st.lists(st.integers(1, max(1, total - 1)), min_size=credit_count - 1,
                                max_size=credit_count - 1, unique=True))) if total > credit_count else []
    bounds = [0] + cuts + [total]
    credits = [b - a for a, b in zip(bounds, bounds[1:]) if b - a > 0]
    lines = [Line(draw(st.sampled_from(ACCOUNTS)), debit_fen=d) for d in debits]
    lines += [Line(draw(st.sampled_from(ACCOUNTS)), credit_fen=c, party=draw(st.sampled_from([None, "h1", "h2"])))
              for c in credits]
    return lines


@given(balanced_vouchers())
def test_balanced_vouchers_pass_and_any_single_fen_off_fails(lines):
    check_voucher(lines)
    broken = list(lines)
    first = broken[0]
    broken[0] = Line(first.account, debit_fen=first.debit_fen + 1, party=first.party)
    with pytest.raises(LedgerRuleError) as error:
        check_voucher(broken)
    assert error.value.code == "unbalanced"


@given(st.lists(balanced_vouchers(), max_size=8))
def test_the_trial_balance_of_balanced_vouchers_is_zero(vouchers):
    assert trial_balance_is_zero(vouchers)


@given(balanced_vouchers())
def test_a_reversal_nets_every_account_and_party_to_zero(lines):
    check_voucher(reversal(lines))
    assert all(v == 0 for v in balances([lines, reversal(lines)]).values())


@pytest.mark.parametrize("line, code", [
    (Line("1002", debit_fen=5, credit_fen=5), "debit_xor_credit"),
    (Line("1002"), "debit_xor_credit"),
    (Line("1002", debit_fen=-5), "negative_amount"),
    (Line("1002", debit_fen=1.5), "not_integer_fen"),  # type: ignore[arg-type]
])
def test_each_line_is_a_debit_xor_a_credit_in_whole_positive_fen(line, code):
    with pytest.raises(LedgerRuleError) as error:
        check_voucher([line, Line("5001", credit_fen=5)])
    assert error.value.code == code


def test_a_voucher_needs_two_lines():
    with pytest.raises(LedgerRuleError):
        check_voucher([Line("1002", debit_fen=1)])


def test_voucher_numbers_must_be_gapless():
    assert gapless([3, 1, 2])
    assert not gapless([1, 3])
    assert not gapless([1, 1, 2])


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_unpaid_vat_transfer_leaves_the_vat_due_account_never_in_credit(balance):
    """转出未交增值税: a credit balance of 222101 goes to 222101's 22210104 and 222102, exactly; 留抵 stays."""
    lines = rules.unpaid_vat_transfer(balance)
    assert sum(l.debit_fen for l in lines) == sum(l.credit_fen for l in lines)
    moved = sum(l.debit_fen - l.credit_fen for l in lines if l.account.startswith(rules.VAT_DUE))
    assert balance + moved == max(balance, 0)
    assert all(l.account in (rules.VAT_TRANSFERRED_OUT, rules.VAT_UNPAID) for l in lines)
    assert (lines == []) == (balance >= 0)


# --- cash never below zero ------------------------------------------------------------------------

_days = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))


@given(st.lists(st.tuples(_days, st.integers(-10**9, 10**9)), max_size=30), _days, st.integers(-10**9, 10**9))
def test_the_lowest_balance_is_the_lowest_end_of_day_balance_from_the_vouchers_day_on(movements, on, change):
    day, lowest = rules.lowest_balance(movements, on, change)
    every = movements + [(on, change)]
    ends = {d: sum(fen for m, fen in every if m <= d) for d in {on} | {m for m, _ in movements if m > on}}
    assert lowest == min(ends.values()) and ends[day] == lowest and day >= on
    # days before the voucher's own do not count against it
    assert rules.lowest_balance(movements + [(on.replace(day=1) if on.day > 1 else on, 0)], on, change)[1] == lowest


def test_a_payout_dated_before_later_payouts_is_measured_against_them():
    received = [(date(2026, 8, 1), 100_00), (date(2026, 8, 20), -80_00)]
    # 50.00 paid on 8-10 leaves 50.00 that day but -30.00 on 8-20, once the later 80.00 is out
    assert rules.lowest_balance(received, date(2026, 8, 10), -50_00) == (date(2026, 8, 20), -30_00)
    assert rules.lowest_balance(received, date(2026, 8, 10), -20_00) == (date(2026, 8, 20), 0)
