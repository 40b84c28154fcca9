"""An order's expected margin per grade, and the reason it needs when a grade is sold below cost:
the pure arithmetic, the service's rule, the API, and the order's pages."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, strategies as st
from sqlalchemy import select

from market.orders import buyer_orders, margin
from models import AuditEvent, BuyerOrder, OrderStatus, db
from tests.market.orders.test_api import order_body

PRICE = st.integers(min_value=0, max_value=10_000_000).map(lambda fen: Decimal(fen) / 100)


# --- the arithmetic -----------------------------------------------------------------------------

@given(delivered=PRICE, cost=PRICE, prices=st.lists(PRICE, min_size=1, max_size=6),
       quantity=st.integers(min_value=1, max_value=10**9).map(lambda g: Decimal(g) / 1000))
def test_each_grade_keeps_the_delivered_price_less_what_the_household_is_paid_less_the_costs(
        delivered, cost, prices, quantity):
    margins = margin.grade_margins(delivered, dict(enumerate(prices)), cost)
    assert [m.grade_id for m in margins] == list(range(len(prices)))
    for m, paid in zip(margins, prices):
        assert m.per_kg + paid + cost == delivered  # exact: nothing created or lost
        assert m.below_cost == (paid + cost > delivered)
    assert margin.below_cost(margins) == [m for m in margins if m.per_kg < 0]
    low, high = margin.order_range(quantity, margins)
    assert low <= high
    assert abs(low - min(m.per_kg for m in margins) * quantity) <= Decimal("0.005")
    assert abs(high - max(m.per_kg for m in margins) * quantity) <= Decimal("0.005")


def test_no_priced_grade_has_no_range():
    assert margin.order_range(Decimal("5400"), []) is None


# --- the rule, through the API ------------------------------------------------------------------

def _grade_ids(catalogue) -> dict[str, str]:
    return {name: str(grade.id) for name, grade in catalogue["grades"].items()}


def test_a_grade_sold_below_cost_needs_a_reason_and_the_reason_is_kept(client, login, coordinator, buyer,
                                                                        catalogue):
    login(coordinator)
    ids = _grade_ids(catalogue)
    body = order_body(catalogue, buyer, delivered_price="8.60", price_unit="kg", expected_cost_per_kg="1.10",
                      farm_gate_prices={ids["特级"]: "8.00", ids["一级"]: "6.80", ids["二级"]: "5.20"})
    refused = client.post("/api/v1/orders", json=body)
    assert refused.status_code == 422
    message = refused.get_json()["error"]["fields"]["below_cost_reason"][0]
    assert "特级" in message and "-0.50" in message and "一级" not in message
    assert db.session.scalar(select(BuyerOrder.id)) is None

    body["below_cost_reason"] = "特级果很少，整单按一级二级仍有差价；保住甘肃超市的长期订单"
    created = client.post("/api/v1/orders", json=body)
    assert created.status_code == 201, created.get_json()
    order = created.get_json()
    assert order["expected_cost_per_kg"] == "1.10" and order["below_cost_reason"] == body["below_cost_reason"]
    assert [(m["grade"], m["margin_per_kg"], m["below_cost"]) for m in order["expected_margins"]] == [
        ("特级", "-0.50", True), ("一级", "0.70", False), ("二级", "2.30", False)]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "buyer_order.create"))
    assert event.after["below_cost_reason"] == body["below_cost_reason"]
    assert event.after["expected_cost_per_kg"] == "1.10"


def test_every_way_of_making_a_grade_lose_asks_for_the_reason(client, login, coordinator, buyer, catalogue):
    """Lowering the delivered price, raising a farm-gate price or the costs, per 斤 as well as per 公斤."""
    login(coordinator)
    ids = _grade_ids(catalogue)
    created = client.post("/api/v1/orders", json=order_body(
        catalogue, buyer, delivered_price="8.60", price_unit="kg", expected_cost_per_kg="0.50",
        farm_gate_prices={ids["特级"]: "8.00", ids["一级"]: "6.80", ids["二级"]: "5.20"}))
    assert created.status_code == 201, created.get_json()
    order_id = created.get_json()["id"]
    for change in ({"delivered_price": "8.49", "price_unit": "kg"},
                   {"delivered_price": "4.20", "price_unit": "jin"},
                   {"expected_cost_per_kg": "0.61", "price_unit": "kg"},
                   {"farm_gate_prices": {ids["特级"]: "8.11", ids["一级"]: "6.80", ids["二级"]: "5.20"}}):
        answer = client.patch(f"/api/v1/orders/{order_id}", json=change)
        assert answer.status_code == 422, (change, answer.get_json())
        assert "below_cost_reason" in answer.get_json()["error"]["fields"], change
    unchanged = client.get(f"/api/v1/orders/{order_id}").get_json()
    assert (unchanged["delivered_price"], unchanged["expected_cost_per_kg"]) == ("8.60", "0.50")
    assert client.patch(f"/api/v1/orders/{order_id}", json={"delivered_price": "8.50"}).status_code == 200


def test_bad_expected_costs_are_refused_with_a_message(client, login, coordinator, buyer, catalogue):
    login(coordinator)
    for bad in ("-1", "abc", "100.01", "0.001"):
        answer = client.post("/api/v1/orders", json=order_body(catalogue, buyer, price_unit="kg",
                                                               expected_cost_per_kg=bad))
        assert answer.status_code == 422, bad
        assert "expected_cost_per_kg" in answer.get_json()["error"]["fields"], bad
    assert db.session.scalar(select(BuyerOrder.id)) is None


def test_the_default_expected_cost_is_the_company_setting(app, client, login, coordinator, buyer, catalogue):
    app.config["ORDER_EXPECTED_COST_PER_KG"] = "1.10"
    login(coordinator)
    ids = _grade_ids(catalogue)
    answer = client.post("/api/v1/orders", json=order_body(
        catalogue, buyer, delivered_price="8.60", price_unit="kg",
        farm_gate_prices={ids["特级"]: "7.00", ids["一级"]: "6.80", ids["二级"]: "5.20"}))
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["expected_cost_per_kg"] == "1.10"
    assert "expected_cost_per_kg" in client.get("/orders/new").get_data(as_text=True)
    assert 'name="expected_cost_per_kg" type="text" value="1.10"' in client.get("/orders/new").get_data(as_text=True)


def test_a_buyer_never_sees_the_margin_and_cannot_open_a_draft_sold_below_cost(
        client, login, coordinator, buyer_user, buyer, catalogue):
    buyer_user.buyer_id = buyer.id
    db.session.commit()
    login(buyer_user)
    ids = _grade_ids(catalogue)
    created = client.post("/api/v1/orders", json=order_body(
        catalogue, buyer, delivered_price="8.60", price_unit="kg", expected_cost_per_kg="1.10",
        farm_gate_prices={ids["特级"]: "8.00", ids["一级"]: "6.80", ids["二级"]: "5.20"}))
    assert created.status_code == 201, created.get_json()  # a buyer's draft: the company decides later
    order_id = created.get_json()["id"]
    assert created.get_json()["expected_margins"] is None
    assert client.get(f"/api/v1/orders/{order_id}").get_json()["expected_margins"] is None
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "-0.50" not in page and "margins" not in page
    opened = client.post(f"/api/v1/orders/{order_id}/open")
    assert opened.status_code == 409
    assert "-0.50" not in opened.get_data(as_text=True) and "特级" not in opened.get_data(as_text=True)
    assert db.session.get(BuyerOrder, order_id).status is OrderStatus.DRAFT

    client.post("/logout")
    login(coordinator)
    by_staff = client.post(f"/api/v1/orders/{order_id}/open")
    assert by_staff.status_code == 409 and "特级" in by_staff.get_json()["error"]["message"]
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert 'id="open-blocked"' in page and "disabled" in page
    assert client.patch(f"/api/v1/orders/{order_id}", json={"below_cost_reason": "长期客户"}).status_code == 200
    assert client.post(f"/api/v1/orders/{order_id}/open").status_code == 200
    assert db.session.get(BuyerOrder, order_id).status is OrderStatus.OPEN


# --- the pages ----------------------------------------------------------------------------------

def test_the_order_page_shows_each_grade_s_margin_and_the_whole_order_s_range(
        client, login, coordinator, make_order, catalogue):
    order = make_order(expected_cost_per_kg="1.10", below_cost_reason="保住长期客户")
    login(coordinator)
    html = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "价格与预估差价" in html
    assert html.count('class="loss"') == 1  # 特级 only
    assert "¥-0.50/公斤" in html
    # 5,400 kg × −0.50 … 5,400 kg × 2.30
    assert "¥-2,700.00 – ¥12,420.00" in html
    assert "¥12,420.00" in html
    assert "保住长期客户" in html


def test_the_form_refuses_a_loss_without_reason_at_the_field_and_saves_nothing(
        client, login, coordinator, buyer, catalogue):
    from tests.market.orders.test_views import order_form

    login(coordinator)
    grades = catalogue["grades"]
    data = order_form(catalogue, buyer, delivered_price="8.60", expected_cost_per_kg="1.10",
                      **{f"price_{grades['特级'].id}": "8.00"})
    response = client.post("/orders/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="field has-error"' in html and "below_cost_reason" in html and "特级" in html
    assert db.session.scalar(select(BuyerOrder.id)) is None
    data["below_cost_reason"] = "长期客户"
    assert client.post("/orders/new", data=data).status_code == 302
    saved = db.session.scalar(select(BuyerOrder))
    assert (saved.expected_cost_per_kg, saved.below_cost_reason) == (Decimal("1.10"), "长期客户")
    assert buyer_orders.margins_of(saved)[0].per_kg == Decimal("-0.50")
