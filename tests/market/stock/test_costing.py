"""Moving weighted average cost: exact to the fen, never negative, emptied exactly."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from market.stock.costing import (Balance, Step, StockError, input_vat_out, issue, receive, replay, surplus)


@st.composite
def histories(draw):
    """A random run of receipts, issues, losses and surpluses that the rules accept."""
    balance, last, steps = Balance(), None, []
    for _ in range(draw(st.integers(1, 30))):
        move = draw(st.sampled_from(["receipt", "receipt", "sale_issue", "count_loss_normal",
                                     "count_loss_abnormal", "count_surplus", "empty"]))
        if move == "receipt" or balance.grams == 0 and move != "count_surplus":
            grams, fen = draw(st.integers(1, 5_000_000)), draw(st.integers(0, 10_000_000))
            balance, last = receive(balance, grams, fen), Balance(grams, fen)
            steps.append(Step("receipt", grams, fen))
        elif move == "count_surplus":
            if last is None:
                continue
            grams = draw(st.integers(1, 500_000))
            value, balance = surplus(balance, grams, last)
            steps.append(Step("count_surplus", grams, value))
        else:
            grams = balance.grams if move == "empty" else draw(st.integers(1, balance.grams))
            cost, balance = issue(balance, grams)
            steps.append(Step("sale_issue" if move == "empty" else move, grams, cost))
    return steps


@given(histories())
def test_the_balance_is_what_came_in_less_what_went_out_never_negative(steps):
    balances = replay(steps) or [Balance()]
    inward = sum(s.fen for s in steps if s.kind in ("receipt", "count_surplus"))
    outward = sum(s.fen for s in steps if s.kind not in ("receipt", "count_surplus"))
    assert balances[-1].fen == inward - outward
    assert balances[-1].grams == sum(s.grams if s.kind in ("receipt", "count_surplus") else -s.grams for s in steps)
    assert all(b.grams >= 0 and b.fen >= 0 and (b.grams > 0 or b.fen == 0) for b in balances)


@given(st.integers(1, 10**9), st.integers(0, 10**10), st.data())
def test_an_issue_costs_its_exact_share_rounded_once_and_emptying_takes_the_rest(grams, fen, data):
    taken = data.draw(st.integers(1, grams))
    cost, after = issue(Balance(grams, fen), taken)
    exact = Fraction(fen * taken, grams)
    if taken == grams:
        assert (cost, after) == (fen, Balance())
    else:
        assert abs(Fraction(cost) - exact) <= Fraction(1, 2)
        assert after == Balance(grams - taken, fen - cost)


@given(st.integers(1, 10**7), st.integers(0, 10**8), st.lists(st.integers(1, 10**6), min_size=1, max_size=40))
def test_issuing_everything_piece_by_piece_ends_at_exactly_zero(grams, fen, pieces):
    balance = Balance(grams, fen)
    issued = 0
    for piece in pieces:
        if balance.grams == 0:
            break
        cost, balance = issue(balance, min(piece, balance.grams))
        issued += cost
    if balance.grams:
        cost, balance = issue(balance, balance.grams)
        issued += cost
    assert balance == Balance() and issued == fen


def test_more_than_is_held_is_refused_and_nothing_changes():
    with pytest.raises(StockError) as refused:
        issue(Balance(1000, 500), 1001)
    assert refused.value.code == "insufficient"
    with pytest.raises(StockError):
        Balance(0, 1)
    with pytest.raises(StockError):
        Balance(-1, 0)


def test_a_worked_example_of_the_moving_average():
    # 300 kg for ¥2,730.00, then 200 kg for ¥1,720.00: 500 kg at ¥8.90/kg
    balance = receive(receive(Balance(), 300_000, 273_000), 200_000, 172_000)
    assert balance == Balance(500_000, 445_000)
    cost, balance = issue(balance, 123_456)  # 445000 × 123456 / 500000 = 109875.84 → 109876
    assert cost == 109_876 and balance == Balance(376_544, 335_124)
    cost, balance = issue(balance, 376_544)
    assert cost == 335_124 and balance == Balance()


def test_a_surplus_comes_in_at_the_average_or_at_the_last_receipt_when_empty():
    assert surplus(Balance(3000, 1000), 1000)[0] == 333
    assert surplus(Balance(), 500, Balance(2000, 1001))[0] == 250  # 250.25 → 250
    with pytest.raises(StockError) as refused:
        surplus(Balance(), 500)
    assert refused.value.code == "no_cost"


@given(st.integers(0, 10**10))
def test_the_input_vat_transferred_out_is_the_deduction_the_cost_carried(cost):
    vat = input_vat_out(cost)
    assert abs(Fraction(vat) - Fraction(cost * 9, 91)) <= Fraction(1, 2)


def test_the_input_vat_of_a_purchase_comes_back_out_of_its_cost():
    # 买价 ¥1,000.00: ¥90.00 deducted, cost ¥910.00; losing all of it transfers ¥90.00 out
    assert input_vat_out(91_000) == 9_000
    assert input_vat_out(10_000, Decimal("0.10")) == 1_111


def test_a_replayed_value_that_breaks_the_rule_is_found():
    with pytest.raises(StockError) as wrong:
        replay([Step("receipt", 1000, 999), Step("sale_issue", 500, 499)])
    assert wrong.value.code == "value"


def test_a_surplus_at_the_market_price_is_that_price_times_its_kilograms():
    # 2.5 kg at ¥7.85/kg = 19.625 → ¥19.63, whatever the item's own average
    assert surplus(Balance(3000, 1000), 2500, None, 785) == (1963, Balance(5500, 2963))
    assert surplus(Balance(), 1, None, 0) == (0, Balance(1, 0))
    assert replay([Step("receipt", 1000, 500), Step("count_surplus", 2500, 1963, 785)])[-1] == Balance(3500, 2463)
    with pytest.raises(StockError):
        replay([Step("receipt", 1000, 500), Step("count_surplus", 2500, 1250)  # at the average
                , Step("count_surplus", 2500, 1250, 785)])
