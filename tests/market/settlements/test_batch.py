"""A batch of contract deliveries (订单式收购) settles exactly: properties of splits.settle_purchases.

Per household: each line is price × kg rounded once; the invoice's input VAT is computed first
(gross × rate, 四舍五入) and the cost is the remainder; advances are recovered before input
credit, never beyond the gross. Over the batch nothing is created or lost.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, strategies as st

from market.settlements.splits import (DEFAULT_VAT_RATE, DeliveryLine, HouseholdDelivery, SettlementError,
                                       input_vat, settle_purchases)

prices = st.integers(0, 6000).map(lambda fen: Decimal(fen).scaleb(-2))
rates = st.one_of(st.sampled_from([Decimal("0.09"), Decimal("0.10"), Decimal("0.13"), Decimal("0")]),
                  st.integers(0, 9999).map(lambda n: Decimal(n).scaleb(-4)))


@st.composite
def households(draw, max_households=10):
    ids = draw(st.lists(st.integers(1, 500), max_size=max_households, unique=True))
    out = []
    for household_id in ids:
        keys = draw(st.lists(st.integers(1, 8), max_size=4, unique=True))
        lines = tuple(DeliveryLine(key, draw(st.integers(0, 3_000_000)), draw(prices)) for key in keys)
        out.append(HouseholdDelivery(household_id, lines, advances_fen=draw(st.integers(0, 2_000_000)),
                                     input_credit_fen=draw(st.integers(0, 500_000))))
    return tuple(out)


def line_amount(line: DeliveryLine) -> int:
    """price (元/kg) × grams / 1000, in fen, rounded half up once — computed independently."""
    return int((line.price * line.grams * 100 / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def vat_of(gross_fen: int, rate: Decimal) -> int:
    return int((Decimal(gross_fen) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@given(households(), rates)
def test_the_batch_reconciles_and_no_fen_is_created_or_lost(data, rate):
    batch = settle_purchases(data, rate)
    assert batch.reconciles()
    assert batch.purchase_total_fen == sum(h.gross_fen for h in batch.households)
    assert batch.purchase_total_fen == sum(line_amount(l) for h in data for l in h.lines)
    assert batch.purchase_total_fen == sum(h.net_fen + h.recovered_advances_fen + h.recovered_input_credit_fen
                                           for h in batch.households)
    assert batch.input_vat_fen == sum(h.input_vat_fen for h in batch.households)
    assert batch.purchase_cost_fen == batch.purchase_total_fen - batch.input_vat_fen
    assert batch.field_g == sum(l.grams for h in data for l in h.lines)


@given(households(), rates)
def test_each_household_is_paid_for_every_line_it_delivered(data, rate):
    batch = settle_purchases(data, rate)
    given_by_id = {h.household_id: h for h in data}
    assert [h.household_id for h in batch.households] == sorted(given_by_id)
    for result in batch.households:
        delivered = given_by_id[result.household_id]
        assert {(l.grade_id, l.field_g, l.payable_g, l.price) for l in result.lines} == {
            (l.grade_id, l.grams, l.grams, l.price) for l in delivered.lines}, "a batch passes nothing back"
        for line in result.lines:
            assert line.amount_fen == line_amount(DeliveryLine(line.grade_id, line.field_g, line.price))
        assert result.gross_fen == sum(l.amount_fen for l in result.lines)
        assert result.field_g == result.payable_g == sum(l.grams for l in delivered.lines)


@given(households(), rates)
def test_vat_is_computed_first_and_the_cost_is_the_remainder_per_household(data, rate):
    batch = settle_purchases(data, rate)
    for result in batch.households:
        assert result.input_vat_fen == vat_of(result.gross_fen, rate)
        assert input_vat(result.gross_fen, rate) == (result.input_vat_fen, result.gross_fen - result.input_vat_fen)
        assert 0 <= result.input_vat_fen <= result.gross_fen
    # the batch's VAT is the sum of its invoices' VAT, not the VAT of the sum (which may differ by rounding)
    assert batch.input_vat_fen == sum(vat_of(h.gross_fen, rate) for h in batch.households)


@given(households(), rates)
def test_advances_are_recovered_before_input_credit_and_never_beyond_the_gross(data, rate):
    batch = settle_purchases(data, rate)
    given_by_id = {h.household_id: h for h in data}
    for result in batch.households:
        delivered = given_by_id[result.household_id]
        assert result.recovered_advances_fen == min(delivered.advances_fen, result.gross_fen)
        assert result.recovered_input_credit_fen == min(delivered.input_credit_fen,
                                                        result.gross_fen - result.recovered_advances_fen)
        assert result.net_fen >= 0 and result.carried_over_fen >= 0
        assert (result.recovered_advances_fen + result.recovered_input_credit_fen + result.carried_over_fen
                == delivered.advances_fen + delivered.input_credit_fen)
        if result.carried_over_fen:
            assert result.net_fen == 0, "something is carried over only when nothing is left to pay"


@given(households(), rates, st.randoms(use_true_random=False))
def test_the_order_households_and_lines_come_in_does_not_matter(data, rate, rng):
    shuffled = []
    for household in data:
        lines = list(household.lines)
        rng.shuffle(lines)
        shuffled.append(HouseholdDelivery(household.household_id, tuple(lines), household.advances_fen,
                                          household.input_credit_fen))
    rng.shuffle(shuffled)
    assert settle_purchases(tuple(shuffled), rate) == settle_purchases(data, rate)


@given(households())
def test_the_default_rate_is_nine_percent(data):
    assert DEFAULT_VAT_RATE == Decimal("0.09")
    assert settle_purchases(data) == settle_purchases(data, Decimal("0.09"))


def test_a_batch_as_an_accountant_would_check_it():
    data = (HouseholdDelivery(7, (DeliveryLine(1, 1_234_567, Decimal("6.80")),
                                  DeliveryLine(2, 500_500, Decimal("5.21"))), advances_fen=1_000_000),
            HouseholdDelivery(3, (DeliveryLine(1, 100_001, Decimal("6.80")),), input_credit_fen=100_000))
    batch = settle_purchases(data)
    three, seven = batch.households
    # 1,234.567 kg × 6.80 = 8,395.0556 → 8,395.06; 500.5 kg × 5.21 = 2,607.605 → 2,607.61
    assert [l.amount_fen for l in seven.lines] == [839_506, 260_761]
    assert seven.gross_fen == 1_100_267
    assert seven.input_vat_fen == 99_024          # 9 % of 11,002.67 = 990.2403 → 990.24
    assert seven.net_fen == 100_267               # less the ¥10,000 advance
    # 100.001 kg × 6.80 = 680.0068 → 680.01, VAT 61.2009 → 61.20; the ¥1,000 input credit takes it all
    assert (three.gross_fen, three.input_vat_fen, three.net_fen, three.carried_over_fen) == (68_001, 6_120, 0, 31_999)
    assert batch.purchase_cost_fen == 1_100_267 + 68_001 - 99_024 - 6_120


@pytest.mark.parametrize("data, rate", [
    ((HouseholdDelivery(1, (DeliveryLine(1, -1, Decimal("1")),)),), DEFAULT_VAT_RATE),
    ((HouseholdDelivery(1, (DeliveryLine(1, 1, Decimal("-0.01")),)),), DEFAULT_VAT_RATE),
    ((HouseholdDelivery(1, ()), HouseholdDelivery(1, ())), DEFAULT_VAT_RATE),
    ((HouseholdDelivery(1, (DeliveryLine(1, 1, Decimal("1")), DeliveryLine(1, 2, Decimal("1")))),), DEFAULT_VAT_RATE),
    ((HouseholdDelivery(1, (), advances_fen=-1),), DEFAULT_VAT_RATE),
    ((), Decimal("1")),
    ((), Decimal("-0.01")),
])
def test_bad_input_is_refused(data, rate):
    with pytest.raises(SettlementError):
        settle_purchases(data, rate)
