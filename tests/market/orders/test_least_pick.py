"""The order's least pick per household: a household is given at least that much or nothing, and
the others share its part (the finding: a fair plan for 800 kg sent the pickers to 13 households for
5–10 kg each)."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings, strategies as st

from market.orders.allocation import FairParams, OptimalParams, OrderSpec, allocate, ineligibility

from .test_allocation import START, lot, scenarios

ORDER = OrderSpec(quantity_g=800_000, variety_id=1, min_grade_rank=1, window_start=START,
                  window_end=START + timedelta(days=3), crate_g=5_000)


def _thirteen_households():
    # twelve households offer little (10–60 kg), one offers a lot: the plain fair plan visits all of them
    small = [lot(i, i, 10 + 5 * (i % 11)) for i in range(1, 13)]
    return [*small, lot(13, 13, 2000)]


def test_without_a_least_pick_the_fair_plan_visits_households_for_a_few_kilograms():
    result = allocate(ORDER, _thirteen_households(), "fair", FairParams(share_cap=1))
    given_ = result.by_household()
    assert len(given_) == 13 and min(given_.values()) <= 15_000


def test_a_least_pick_leaves_out_households_that_would_give_less_and_the_rest_fill_the_order():
    result = allocate(ORDER, _thirteen_households(), "fair", FairParams(share_cap=1, min_pick_g=50_000))
    given_ = result.by_household()
    assert all(grams >= 50_000 for grams in given_.values())
    assert result.filled_g == 800_000 and result.shortfall_g == 0
    explained = {h.household_id: h for h in result.households}
    left_out = {h for h, e in explained.items() if e.reasons == ("min_pick",)}
    assert left_out and not left_out & set(given_)
    for household_id in left_out:
        assert explained[household_id].allocated_g == 0
    # every household of the input is explained, once
    assert sorted(explained) == list(range(1, 14))


def test_when_everyone_could_give_the_least_the_least_preferred_go_first_until_the_rest_reach_it():
    # 10 households of 100 kg, an order of 600 kg with 10 kg crates: shared by all, each would give 60 kg;
    # with a least pick of 100 kg only six can be picked, and the latest registered are left out
    lots = [lot(i, i, 100) for i in range(1, 11)]
    order = replace(ORDER, quantity_g=600_000, crate_g=10_000)
    result = allocate(order, lots, "fair", FairParams(share_cap=1, min_pick_g=100_000))
    assert result.by_household() == {h: 100_000 for h in range(1, 7)}
    assert {h.household_id for h in result.households if h.reasons == ("min_pick",)} == {7, 8, 9, 10}


def test_priority_households_are_kept_before_the_others():
    lots = [lot(i, i, 100, priority=i in (9, 10)) for i in range(1, 11)]
    order = replace(ORDER, quantity_g=300_000, crate_g=10_000)
    result = allocate(order, lots, "fair", FairParams(share_cap=1, min_pick_g=100_000))
    assert set(result.by_household()) == {9, 10, 1}


def test_a_short_supply_stays_short_rather_than_picking_below_the_least():
    lots = [lot(1, 1, 30), lot(2, 2, 40), lot(3, 3, 200)]
    result = allocate(ORDER, lots, "fair", FairParams(share_cap=1, min_pick_g=50_000))
    assert result.by_household() == {3: 200_000}
    assert result.shortfall_g == 600_000 and result.eligible_g == 270_000


def test_the_lowest_cost_plan_keeps_the_least_pick_and_still_fills_the_order():
    # one far household offers 790 kg, the near ones 10–60 kg: the cheapest plan takes the last 10 kg
    # from a near household; with a least pick of 40 kg the far one gives less so that a near one can
    # give 40 kg — leaving the near one out would have left the order 10 kg short
    lots = [lot(i, i, 10 + 5 * (i % 11), km="0") for i in range(1, 13)] + [lot(13, 13, 790, km="40")]
    plain = allocate(ORDER, lots, "optimal", OptimalParams(share_cap=1))
    assert sorted(plain.by_household().values()) == [10_000, 790_000]
    result = allocate(ORDER, lots, "optimal", OptimalParams(share_cap=1, min_pick_g=40_000))
    given_ = result.by_household()
    assert len(given_) == 2 and min(given_.values()) >= 40_000  # still two stops; every kilogram costs the same
    assert result.filled_g == 800_000
    # households whose whole offer is below the least are told so
    reasons = {h.household_id: h.reasons for h in result.households}
    assert reasons[11] == ("min_pick",) and reasons[1] == ("min_pick",)  # 15 kg and 10 kg offered


def test_no_least_pick_keeps_every_stored_input_hash():
    lots = _thirteen_households()
    assert allocate(ORDER, lots, "fair", FairParams(share_cap=1)).input_hash == \
        allocate(ORDER, lots, "fair", FairParams(share_cap=1, min_pick_g=0)).input_hash
    # the stored parameters of a run without one are those of before
    assert "min_pick_g" not in allocate(ORDER, lots, "fair").params
    with_least = allocate(ORDER, lots, "fair", FairParams(min_pick_g=50_000))
    assert with_least.params["min_pick_g"] == 50_000
    assert with_least.input_hash != allocate(ORDER, lots, "fair").input_hash


@settings(max_examples=120, deadline=None)
@given(scenarios(), st.sampled_from(["fair", "optimal"]), st.integers(0, 300_000))
def test_every_household_picked_gives_at_least_the_least_and_nothing_is_lost(case, policy, least):
    order, lots = case
    if policy == "optimal":
        lots = lots[:25]
    params = FairParams(min_pick_g=least) if policy == "fair" else OptimalParams(min_pick_g=least)
    result = allocate(order, lots, policy, params)
    by_id = {c.lot_id: c for c in lots}
    for grams in result.by_household().values():
        assert grams >= least
    assert sum(line.grams for line in result.lines) == result.filled_g <= order.quantity_g
    assert result.shortfall_g == order.quantity_g - result.filled_g
    for line in result.lines:
        assert 0 < line.grams <= by_id[line.lot_id].available_g and ineligibility(order, by_id[line.lot_id]) is None
    # it fills what it can: were every household left out given back its offer, they would still be
    # below the least (alone) or the order is as full as the pickable supply allows
    eligible = {c.household_id for c in lots if ineligibility(order, c) is None and c.available_g > 0}
    assert {h.household_id for h in result.households} == eligible
    if not least:
        assert result.filled_g == min(order.quantity_g, result.eligible_g)


# --- the order's setting, through the API and the pages ------------------------------------------

def test_an_order_with_a_least_pick_is_allocated_and_adjusted_keeping_it(client, login, coordinator, make_order,
                                                                         make_household, make_lot):
    from decimal import Decimal

    from sqlalchemy import func, select

    from models import AllocationRun, AuditEvent, BuyerOrder, db

    # 800 kg from households offering 10–60 kg and one offering 2 t (the finding's 13 households)
    for i in range(1, 13):
        make_lot(make_household(f"农户{i:02d}"), str(10 + 5 * (i % 11)))
    make_lot(make_household("梁建国"), "2000")
    order = make_order("800公斤", share_cap_pct="100", crate_kg="5")
    login(coordinator)
    changed = client.patch(f"/api/v1/orders/{order.id}", json={"min_pick_kg": "50"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["min_pick_kg"] == "50.000"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "buyer_order.update")
                              .order_by(AuditEvent.id.desc()))
    assert event.after["min_pick_kg"] != event.before["min_pick_kg"]
    for policy in ("fair", "optimal"):
        run = client.post(f"/api/v1/orders/{order.id}/allocation-runs", json={"policy": policy},
                          headers={"Idempotency-Key": f"least-{policy}"}).get_json()
        per_household: dict[str, Decimal] = {}
        for line in run["lines"]:
            per_household[line["household"]] = per_household.get(line["household"], 0) + Decimal(line["kg"])
        assert per_household and min(per_household.values()) >= 50, (policy, per_household)
        assert run["filled_kg"] == "800.000" and run["params"]["min_pick_g"] == 50_000
        assert any(h["reasons"] == ["min_pick"] for h in run["households"])
    # by hand, a household cannot be given less than the least either (and nothing is changed)
    run = db.session.scalar(select(AllocationRun).order_by(AllocationRun.id.desc()))
    refused = client.post(f"/api/v1/allocation-runs/{run.id}/lines",
                          json={"lot_id": run.lines[0].lot_id, "kg": "20", "reason": "只摘一点"})
    assert refused.status_code == 422 and "50" in refused.get_json()["error"]["fields"]["kg"][0]
    assert not db.session.get(AllocationRun, run.id).adjusted
    # bad values are refused at the field, changing nothing
    for bad in ("-5", "很多", "900"):
        response = client.patch(f"/api/v1/orders/{order.id}", json={"min_pick_kg": bad})
        assert response.status_code == 422 and "min_pick_kg" in response.get_json()["error"]["fields"], bad
    assert db.session.get(BuyerOrder, order.id).min_pick_kg == Decimal("50")
    assert db.session.scalar(select(func.count()).select_from(AllocationRun)) == 2


def test_the_order_form_sets_the_least_pick_and_the_run_says_who_was_left_out(client, login, coordinator, buyer,
                                                                              catalogue, make_household, make_lot):
    from sqlalchemy import select

    from models import BuyerOrder, db
    from tests.market.orders.test_views import order_form

    for i in range(1, 13):
        make_lot(make_household(f"农户{i:02d}"), str(10 + 5 * (i % 11)))
    make_lot(make_household("梁建国"), "2000")
    db.session.commit()
    login(coordinator)
    page = client.get("/orders/new").get_data(as_text=True)
    assert 'name="min_pick_kg"' in page and "每户最少" in page
    refused = client.post("/orders/new", data=order_form(catalogue, buyer, quantity="800", unit="kg",
                                                         min_pick_kg="一点"))
    assert refused.status_code == 422 and db.session.scalar(select(BuyerOrder)) is None
    response = client.post("/orders/new", data=order_form(catalogue, buyer, quantity="800", unit="kg",
                                                          share_cap_pct="100", crate_kg="5", min_pick_kg="50"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    order = db.session.scalar(select(BuyerOrder))
    assert order.min_pick_kg == 50
    assert client.get(f"/orders/{order.id}/edit").get_data(as_text=True).count('value="50"') >= 1
    client.post(f"/orders/{order.id}/open")
    assert client.post(f"/orders/{order.id}/runs", data={"policy": "fair", "priority_first": "y"}).status_code == 302
    html = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "每户至少" in html and "少于每户最少采摘量" in html
