"""One figure per slip: what a weigh slip printed is what its settlement pays (finding: two 0.5 kg
slips at ¥3.33/kg printed ¥1.67 + ¥1.67 = ¥3.34 while the settlement paid ¥3.33)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from hypothesis import given, strategies as st

from market.settlements import services
from market.settlements.splits import (DeliveryLine, HouseholdDelivery, OrderSettlementInput, settle_order,
                                       settle_purchases)
from market.units import Weight, amount_for
from market.weighing import services as weighing
from models import SettlementHousehold, WeighSlip, db
from tests.market.contracts.conftest import contract_args, grades, make_contract, peach, price_rows  # noqa: F401


def test_two_half_kilo_slips_at_333_are_paid_what_they_printed(make_contract, coordinator, grades, books):
    contract = make_contract("active", grade_prices=price_rows(grades, first="3.33"))
    for hour in (2, 3):
        weighing.issue_slip(coordinator, household_id=contract.household_id, variety_id=contract.variety_id,
                            contract_id=contract.id, weighed_at=datetime(2026, 8, 1, hour, 0, tzinfo=timezone.utc),
                            gross="1.5", tare="1", crates=0,
                            grade_split=[{"grade_id": grades["一级"].id, "amount": "0.5"}])
    db.session.commit()
    printed = [slip.amount for slip in db.session.scalars(db.select(WeighSlip))]
    assert printed == [Decimal("1.67"), Decimal("1.67")]
    settlement = services.prepare_contract_batch(coordinator, settle_on=date(2026, 8, 20), vat_rate_pct="9")
    db.session.commit()
    line = db.session.scalar(db.select(SettlementHousehold))
    assert line.gross == sum(printed) == Decimal("3.34")
    assert settlement.purchase_total == Decimal("3.34")


prices = st.integers(1, 3000).map(lambda fen: Decimal(fen).scaleb(-2))
slip_grams = st.lists(st.integers(1, 200_000), min_size=1, max_size=12)


@given(st.lists(st.tuples(slip_grams, prices), min_size=1, max_size=6), st.sampled_from(["company_bears", "pro_rata"]),
       st.integers(0, 100))
def test_households_are_paid_the_sum_their_slips_printed_less_only_what_rejects_take(households, policy, kept_pct):
    deliveries, printed = [], {}
    for household_id, (slips, price) in enumerate(households, start=1):
        fen = sum(amount_for(price, Weight.from_grams(g)).fen for g in slips)  # each slip rounded as printed
        printed[household_id] = (fen, price)
        deliveries.append(HouseholdDelivery(household_id, (DeliveryLine(1, sum(slips), price, slips_fen=fen),)))
    field_g = sum(sum(slips) for slips, _ in households)
    result = settle_order(OrderSettlementInput(accepted_g=field_g * kept_pct // 100, delivered_price=Decimal("9.00"),
                                               households=tuple(deliveries), reject_policy=policy))
    assert result.reconciles()
    for household in result.households:
        fen, price = printed[household.household_id]
        lost = household.field_g - household.payable_g
        expected = fen if lost == 0 else (0 if household.payable_g == 0 else
                                          max(0, fen - amount_for(price, Weight.from_grams(lost)).fen))
        assert household.gross_fen == expected
        if policy == "company_bears":
            assert household.gross_fen == fen  # exactly what the slips printed


@given(st.lists(st.tuples(slip_grams, prices), min_size=1, max_size=6))
def test_a_contract_batch_pays_exactly_what_every_slip_printed(households):
    deliveries = tuple(HouseholdDelivery(i, (DeliveryLine(1, sum(slips), price, slips_fen=sum(
        amount_for(price, Weight.from_grams(g)).fen for g in slips)),)) for i, (slips, price) in enumerate(households, 1))
    batch = settle_purchases(deliveries)
    assert batch.purchase_total_fen == sum(d.lines[0].slips_fen for d in deliveries)
