"""A contract is read once at the edge (the form, the API body); the service checks rules only."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from market.contracts.inputs import ContractInput
from models import PriceMechanism


def test_what_people_type_becomes_kilograms_and_yuan_per_kilogram():
    entry = ContractInput.parse(household_id=3, season=" 2026 ", variety_id=1, main_grade_id=2, area_mu="3.5",
                                expected_kg="6000斤", mechanism="fixed", grade_prices={"1": "4.00", 2: "3.40", "3": ""},
                                price_unit="jin", starts_on="2026-08-01", ends_on=date(2026, 9, 1))
    assert entry.expected_kg == Decimal("3000") and entry.area_mu == Decimal("3.50")
    assert entry.grade_prices == {1: Decimal("8.00"), 2: Decimal("6.80")}  # a blank price is not given
    assert entry.mechanism is PriceMechanism.FIXED and entry.season == "2026"
    assert entry.starts_on == date(2026, 8, 1) and not entry.errors


def test_what_cannot_be_read_is_kept_for_the_service_to_name_with_the_rule_errors():
    entry = ContractInput.parse(household_id="张三", season="明年", area_mu="0", expected_kg="很多",
                                mechanism="barter", grade_prices={"一级": "8", "2": "八块"}, starts_on="8月1日")
    assert set(entry.errors) == {"season", "area_mu", "expected_kg", "mechanism", "grade_prices",
                                 "grade_prices.2", "starts_on", "ends_on"}
    assert entry.household_id is None and entry.grade_prices == {2: None}
