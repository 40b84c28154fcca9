"""The arithmetic of adjustments, pure: each is an invoice of its own, exact to the fen."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.adjustments import amounts
from market.settlements.sales_vat import output_tax

fen = st.integers(min_value=1, max_value=10**10)
rates = st.sampled_from([Decimal("9"), Decimal("13"), Decimal("3"), None])
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2)


def test_the_worked_allowance():
    change = amounts.allowance(25000, Decimal("9"))
    assert (change.amount_fen, change.vat_fen, change.excl_vat_fen) == (-25000, -2064, -22936)
    assert amounts.allowance(25000, None).vat_fen == 0


@given(fen, rates)
def test_an_allowance_is_a_red_invoice_whose_parts_add_up(allowance_fen, rate):
    change = amounts.allowance(allowance_fen, rate)
    assert change.amount_fen == -allowance_fen == change.vat_fen + change.excl_vat_fen
    assert change.vat_fen == -output_tax(allowance_fen, rate)
    assert change.excl_vat_fen < 0 and change.vat_fen <= 0


def test_an_allowance_is_above_zero():
    with pytest.raises(ValueError):
        amounts.allowance(0, Decimal("9"))


@given(st.integers(min_value=1, max_value=10**8), prices, prices)
def test_correcting_up_and_back_down_nets_to_zero(grams, old, new):
    current = amounts.correction(0, grams, old, Decimal("9")).amount_fen
    up = amounts.correction(current, grams, new, Decimal("9"))
    down = amounts.correction(current + up.amount_fen, grams, old, Decimal("9"))
    assert up.amount_fen + down.amount_fen == 0 and up.vat_fen + down.vat_fen == 0
    assert up.amount_fen == up.vat_fen + up.excl_vat_fen
    # the VAT shares the sign of the difference and is 9 % of it, rounded half up once
    assert abs(up.vat_fen) == int((Decimal(abs(up.amount_fen)) * Decimal("0.09")).quantize(Decimal(1), "ROUND_HALF_UP"))
    assert up.amount_fen * up.vat_fen >= 0


def test_the_new_amount_is_the_corrected_price_times_the_weight_rounded_once():
    # 123.457 kg at 7.80 = 962.9646 → 962.96; it stood at 913.58
    change = amounts.correction(91358, 123457, Decimal("7.80"), Decimal("9"))
    assert change.amount_fen == 96296 - 91358 and change.vat_fen == 444  # 49.38 × 9 % = 4.4442
