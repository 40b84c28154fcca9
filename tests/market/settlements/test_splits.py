"""The three-way settlement reconciles exactly to the fen, whatever the order."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from market.settlements.splits import (DeliveryLine, HouseholdDelivery, OrderSettlementInput, SettlementError,
                                       input_vat, settle_order, stock_loss)
from market.units import Weight, amount_for

prices = st.integers(min_value=0, max_value=5000).map(lambda fen: Decimal(fen) / 100)


@st.composite
def orders(draw):
    households = []
    for household_id in range(1, draw(st.integers(0, 12)) + 1):
        grade_ids = draw(st.lists(st.integers(1, 4), min_size=0, max_size=4, unique=True))
        lines = tuple(DeliveryLine(g, draw(st.integers(0, 2_000_000)), draw(prices)) for g in grade_ids)
        households.append(HouseholdDelivery(household_id, lines, draw(st.integers(0, 300_000)),
                                            draw(st.integers(0, 100_000))))
    field = sum(l.grams for h in households for l in h.lines)
    policy = draw(st.sampled_from(["company_bears", "pro_rata"]))
    accepted = draw(st.integers(0, field)) if policy == "pro_rata" else draw(st.integers(0, field + 100_000))
    price = draw(prices)
    gross = amount_for(price, Weight.from_grams(accepted)).fen
    return OrderSettlementInput(
        accepted_g=accepted, delivered_price=price, households=tuple(households), reject_policy=policy,
        buyer_deductions_fen=draw(st.integers(0, min(50_000, gross))), logistics_fen=draw(st.integers(0, 500_000)),
        packing_fen=draw(st.integers(0, 100_000)),
        vat_rate=draw(st.sampled_from([Decimal("0.09"), Decimal("0.10"), Decimal("0")])))


@given(orders())
def test_buyer_total_is_household_payables_plus_costs_plus_margin_to_the_fen(data):
    result = settle_order(data)
    assert result.buyer_total_fen == (sum(h.gross_fen for h in result.households) + result.logistics_fen
                                      + result.packing_fen + result.margin_fen)
    assert result.reconciles()


@given(orders())
def test_no_gram_or_fen_is_created_or_lost(data):
    result = settle_order(data)
    for household in result.households:
        assert household.gross_fen == (household.net_fen + household.recovered_advances_fen
                                       + household.recovered_input_credit_fen)
        assert household.net_fen >= 0
        assert household.carried_over_fen >= 0
        assert household.gross_fen == sum(line.amount_fen for line in household.lines)
    if data.reject_policy == "pro_rata":
        assert sum(h.payable_g for h in result.households) == data.accepted_g
    else:
        assert sum(h.payable_g for h in result.households) == result.field_g
    assert result.input_vat_fen + result.purchase_cost_fen == result.purchase_total_fen


@given(orders())
def test_rejects_passed_back_pro_rata_stay_within_a_gram_of_the_exact_share(data):
    if data.reject_policy != "pro_rata" or result_field(data) == 0:
        return
    result = settle_order(data)
    lost = result.lost_g
    for household in result.households:
        exact = Decimal(lost) * household.field_g / result.field_g
        assert abs((household.field_g - household.payable_g) - exact) < 1


def result_field(data) -> int:
    return sum(l.grams for h in data.households for l in h.lines)


def test_the_peach_order_settles_as_a_person_would_check_it():
    data = OrderSettlementInput(
        accepted_g=5_346_000, delivered_price=Decimal("8.60"),
        households=(HouseholdDelivery(1, (DeliveryLine(2, 3_000_000, Decimal("6.80")),), advances_fen=200_000),
                    HouseholdDelivery(2, (DeliveryLine(2, 2_400_000, Decimal("6.80")),))),
        reject_policy="company_bears", logistics_fen=480_000, packing_fen=162_000)
    result = settle_order(data)
    assert result.buyer_total_fen == 4_597_560        # 5,346 kg × 8.60 = ¥45,975.60
    assert result.households[0].gross_fen == 2_040_000  # 3,000 kg × 6.80
    assert result.households[0].net_fen == 1_840_000    # less the ¥2,000 advance
    assert result.purchase_total_fen == 3_672_000
    assert result.input_vat_fen == 183_600 + 146_880    # 9 % of each invoice
    assert result.margin_fen == 4_597_560 - 3_672_000 - 480_000 - 162_000


def test_vat_is_computed_first_and_the_cost_is_the_remainder():
    assert input_vat(100_001) == (9_000, 91_001)       # 9,000.09 fen rounds to 9,000
    assert input_vat(100_006) == (9_001, 91_005)       # 9,000.54 → 9,001


@pytest.mark.parametrize("bad", [
    dict(reject_policy="farmers_pay"), dict(accepted_g=-1), dict(vat_rate=Decimal("1.2")),
    dict(logistics_fen=-5),
])
def test_bad_input_is_refused(bad):
    base = dict(accepted_g=0, delivered_price=Decimal("1"), households=())
    with pytest.raises(SettlementError):
        settle_order(OrderSettlementInput(**{**base, **bad}))


def test_pro_rata_refuses_more_accepted_than_delivered():
    data = OrderSettlementInput(accepted_g=2, delivered_price=Decimal("1"), reject_policy="pro_rata",
                                households=(HouseholdDelivery(1, (DeliveryLine(1, 1, Decimal("1")),)),))
    with pytest.raises(SettlementError):
        settle_order(data)


@given(orders(), st.integers(0, 3_000_000), st.data())
def test_the_warehouse_part_of_an_order_keeps_its_own_share_of_the_rejects(data, stock_g, draw):
    field = sum(l.grams for h in data.households for l in h.lines)
    accepted = draw.draw(st.integers(0, field + stock_g))
    with_stock = settle_order(OrderSettlementInput(**{**data.__dict__, "accepted_g": accepted, "stock_g": stock_g,
                                                      "reject_policy": "pro_rata",
                                                      "buyer_deductions_fen": 0}))
    assert with_stock.reconciles()
    assert with_stock.lost_g == field + stock_g - accepted and with_stock.stock_g == stock_g
    passed_back = sum(h.field_g - h.payable_g for h in with_stock.households)
    # the households bear at most their share of the loss by weight (rounded by largest remainder)
    if field + stock_g:
        assert abs(passed_back * (field + stock_g) - with_stock.lost_g * field) <= field + stock_g
    # a household is never paid for stock: purchases are the households' alone
    assert with_stock.purchase_total_fen == sum(h.gross_fen for h in with_stock.households)


def test_an_order_filled_only_from_stock_pays_no_household():
    result = settle_order(OrderSettlementInput(accepted_g=600_000, delivered_price=Decimal("8.20"), households=(),
                                               stock_g=600_000, logistics_fen=36_000))
    assert (result.buyer_total_fen, result.purchase_total_fen, result.margin_fen, result.lost_g) == (
        492_000, 0, 456_000, 0)


# --- rejects above the buyer's threshold: the abnormal loss ----------------------------------------

@given(orders(), st.integers(0, 3_000_000), st.data())
def test_the_abnormal_loss_is_the_companys_share_of_what_it_paid_for_the_rejects(data, stock_g, draw):
    field = sum(l.grams for h in data.households for l in h.lines)
    accepted = draw.draw(st.integers(0, field + stock_g)) if data.reject_policy == "pro_rata" else data.accepted_g
    asked = draw.draw(st.integers(0, field + stock_g + 50_000))
    result = settle_order(OrderSettlementInput(**{**data.__dict__, "accepted_g": accepted, "stock_g": stock_g,
                                                  "abnormal_g": asked, "buyer_deductions_fen": 0}))
    assert result.reconciles()
    # never more than was lost; shared with the warehouse by weight, to a gram
    assert result.abnormal_g == min(asked, max(result.lost_g, 0))
    field_share = result.abnormal_g - result.abnormal_stock_g
    if field + stock_g:
        assert abs(result.abnormal_stock_g * (field + stock_g) - result.abnormal_g * stock_g) <= field + stock_g
    if data.reject_policy == "pro_rata":
        # the households were not paid for their share: the company lost nothing it bought in the field
        assert (result.loss_cost_fen, result.loss_vat_fen) == (0, 0)
    elif field:
        # each the exact share of what was paid, rounded once, and all of it when all was rejected
        assert abs(Decimal(result.loss_cost_fen) - Decimal(result.purchase_cost_fen * field_share) / field) <= Decimal("0.5")
        assert abs(Decimal(result.loss_vat_fen) - Decimal(result.input_vat_fen * field_share) / field) <= Decimal("0.5")
        if field_share == field:
            assert (result.loss_cost_fen, result.loss_vat_fen) == (result.purchase_cost_fen, result.input_vat_fen)


def test_the_worked_example_of_a_mixed_load_rejected_whole():
    """600 kg from three households at 6.80 and 300 kg from the warehouse, all rejected (8 % defects):
    the field share is 600 kg. Company bears: it lost the 4,080.00 it paid, 3,712.80 of cost and 367.20
    of VAT (3 × 122.40); pro rata: the households bear their 600 kg and the company only its 300 kg."""
    households = tuple(HouseholdDelivery(h, (DeliveryLine(1, 200_000, Decimal("6.80")),)) for h in (1, 2, 3))
    for policy, cost, vat in (("company_bears", 371_280, 36_720), ("pro_rata", 0, 0)):
        result = settle_order(OrderSettlementInput(accepted_g=0, delivered_price=Decimal("8.60"), households=households,
                                                   stock_g=300_000, abnormal_g=900_000, reject_policy=policy))
        assert (result.abnormal_g, result.abnormal_stock_g, result.loss_cost_fen, result.loss_vat_fen) == (
            900_000, 300_000, cost, vat)


def test_the_warehouse_share_of_the_loss_carries_the_vat_its_cost_was_bought_with():
    # 546.00 issued for 100 kg, all lost: 546.00 × 9 / 91 = 54.00; a third of 1,000.00: 333.33, VAT 32.97
    assert stock_loss(54_600, 100_000, 100_000) == (54_600, 5_400)
    assert stock_loss(100_000, 1_000, 3_000) == (33_333, 3_297)
    assert stock_loss(100_000, 0, 3_000) == (0, 0)
    with pytest.raises(SettlementError):
        stock_loss(100_000, 3_001, 3_000)
