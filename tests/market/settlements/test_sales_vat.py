"""Output VAT is separated from a tax-inclusive sale per invoice line, exact to the fen."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, strategies as st

from market.settlements.sales_vat import SaleLine, output_tax, split_line, split_sale

rates = st.one_of(st.none(), st.integers(0, 1700).map(lambda hundredths: Decimal(hundredths) / 100))
lines = st.builds(SaleLine, amount_fen=st.integers(0, 10_000_000_000), rate_pct=rates,
                  exempt_basis=st.sampled_from(["", "蔬菜流通环节免税"]))


def test_the_demo_peach_sale_separates_3765_47_of_output_vat():
    # 45,604.08 × 9 / 109 = 3,765.4745… → 3,765.47; revenue 41,838.61
    split = split_line(SaleLine(4_560_408, Decimal("9")))
    assert (split.tax_fen, split.net_fen) == (376_547, 4_183_861)


def test_an_exempt_line_has_no_tax_and_its_amount_is_revenue():
    split = split_line(SaleLine(1_000_000, None, "蔬菜流通环节免税"))
    assert (split.tax_fen, split.net_fen, split.exempt_basis) == (0, 1_000_000, "蔬菜流通环节免税")


@pytest.mark.parametrize("amount, tax", [(109, 9), (1, 0), (6, 0), (7, 1), (12, 1), (18, 1), (19, 2), (0, 0)])
def test_half_a_fen_rounds_up(amount, tax):
    # 7 × 9/109 = 0.578 → 1; 6 × 9/109 = 0.495 → 0; 18 × 9/109 = 1.486 → 1; 19 → 1.569 → 2
    assert output_tax(amount, Decimal("9")) == tax


def test_a_negative_line_is_refused():
    with pytest.raises(ValueError):
        split_line(SaleLine(-1, Decimal("9")))


@given(st.lists(lines, max_size=8))
def test_no_fen_is_created_or_lost_and_each_line_is_rounded_on_its_own(sale):
    split = split_sale(sale)
    assert split.net_fen + split.tax_fen == split.amount_fen == sum(line.amount_fen for line in sale)
    for given_line, line in zip(sale, split.lines):
        assert line.net_fen + line.tax_fen == given_line.amount_fen
        assert line.tax_fen >= 0 and line.net_fen >= 0
        if given_line.rate_pct is None:
            assert line.tax_fen == 0
        else:
            rate = given_line.rate_pct / 100
            exact = Decimal(given_line.amount_fen) * rate / (1 + rate)
            assert abs(Decimal(line.tax_fen) - exact) <= Decimal("0.5")
            assert line.tax_fen == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
            # the net is what the tax is levied on: net × rate is the tax, within the rounding
            assert abs(Decimal(line.net_fen) * rate - line.tax_fen) <= Decimal("0.5") * (1 + rate)
    # the total tax is the sum of the lines' taxes, never re-rounded on the total
    assert split.tax_fen == sum(output_tax(line.amount_fen, line.rate_pct) for line in sale)
