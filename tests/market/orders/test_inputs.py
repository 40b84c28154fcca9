"""An order is read once at the edge (the form, the API body): units and money there, rules in the service."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, strategies as st

from market.orders.inputs import UNSET, OrderInput
from models import QuantityUnit, SaleMode


def test_what_people_type_becomes_kilograms_and_yuan_per_kilogram():
    entry = OrderInput.parse({"quantity": "5.4", "unit": "t", "delivered_price": "4.30", "price_unit": "jin",
                              "farm_gate_prices": {"1": "4", "2": "3.40", "3": ""}, "expected_cost_per_kg": "0.55",
                              "crate_kg": "10", "min_pick_kg": "50", "mode": "field_direct",
                              "window_start": date(2026, 8, 18), "destination": "  甘肃省金昌市 "})
    assert entry.quantity_kg == Decimal("5400") and entry.entered_unit is QuantityUnit.TONNE
    assert entry.delivered_price == Decimal("8.60") and entry.expected_cost_per_kg == Decimal("1.10")
    assert entry.farm_gate_prices == {1: Decimal("8.00"), 2: Decimal("6.80")}  # a blank price is not given
    assert (entry.crate_kg, entry.min_pick_kg, entry.mode) == (Decimal("10"), Decimal("50"), SaleMode.FIELD_DIRECT)
    assert entry.destination == "甘肃省金昌市" and not entry.errors


def test_a_change_carries_only_what_it_names():
    entry = OrderInput.parse({"min_pick_kg": "30"})
    assert entry.given() == {"min_pick_kg": Decimal("30")}
    assert entry.quantity_kg is UNSET and not entry.has("farm_gate_prices")


def test_what_cannot_be_read_is_kept_as_a_field_error_for_the_service_to_name_with_the_rest():
    entry = OrderInput.parse({"quantity": "很多", "delivered_price": "0", "mode": "by_air", "min_pick_kg": "-1",
                              "share_cap_pct": "0.001", "urgency_horizon_days": "100",
                              "farm_gate_prices": {"一级": "8"}})
    assert set(entry.errors) == {"quantity", "delivered_price", "mode", "min_pick_kg", "share_cap_pct",
                                 "urgency_horizon_days", "farm_gate_prices"}
    assert entry.quantity_kg is None and entry.mode is None


@given(st.integers(1, 10**6), st.sampled_from([("jin", Decimal(2)), ("kg", Decimal(1))]))
def test_a_price_per_jin_is_twice_the_price_per_kilogram_to_the_fen(fen, unit):
    name, factor = unit
    typed = Decimal(fen) / 100
    entry = OrderInput.parse({"delivered_price": str(typed), "price_unit": name})
    assert entry.delivered_price == (typed * factor).quantize(Decimal("0.01"))
