"""The orders pages as coordinators, buyers' staff and villagers use them."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from market.orders import allocation_runs, buyers
from models import (AllocationRun, AuditEvent, Buyer, BuyerOrder, LotStatus, OrderStatus, ProduceLot, QuantityUnit,
                    RunStatus, db)
from tests.market.orders.conftest import DAY, credit_code


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def order_form(catalogue, buyer, **overrides) -> dict:
    grades = catalogue["grades"]
    data = {
        "variety_id": str(catalogue["varieties"][0].id), "grade_table_id": "", "buyer_id": str(buyer.id),
        "quantity": "5.4", "unit": "t", "min_grade_id": str(grades["二级"].id), "delivered_price": "8.60",
        "price_unit": "kg", f"price_{grades['特级'].id}": "8.00", f"price_{grades['一级'].id}": "6.80",
        f"price_{grades['二级'].id}": "5.20", f"price_{grades['等外'].id}": "", "mode": "field_direct",
        "window_start": "2026-08-18", "window_end": "2026-08-21", "destination": "甘肃省金昌市", "crate_kg": "10",
        "party_group_id": "", "reject_policy": "company_bears", "note": "", "share_cap_pct": "10",
        "stop_cost": "30", "km_cost": "2", "urgency_credit": "0.5", "urgency_horizon_days": "14",
    }
    data.update(overrides)
    return data


@pytest.fixture
def today_is_day(monkeypatch):
    """Pages that count from today see the fixtures' picking season."""
    for pages in ("allocation_runs", "board", "buyer_orders"):
        monkeypatch.setattr(f"market.orders.views.{pages}.local_today", lambda: DAY)
    return DAY


SIZES = [100] * 4 + [400 + 10 * i for i in range(8)]


@pytest.fixture
def supplied_order(make_order, make_household, make_lot, make_village):
    """12 households of two villages, four offering 100 kg and eight 400 kg or more, and an open
    2-tonne order: the small ones give everything, the others reach the 10 % cap."""
    north, south = make_village("北里村"), make_village("南杜村")
    households = [make_household(f"农户{i:02d}", village=north if i < 8 else south) for i in range(12)]
    for household, size in zip(households, SIZES):
        make_lot(household, str(size))
    order = make_order("2吨")
    return order, households


# --- entering orders ----------------------------------------------------------------------------

def test_a_coordinator_enters_an_order_in_tonnes_on_the_new_order_page(client, login, coordinator, buyer,
                                                                       catalogue):
    login(coordinator)
    page = client.get("/orders/new")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert buyer.name in html and "特级" in html and "等外" in html and "田间直采" in html
    assert '<option selected value="t">' in html or 'value="t" selected' in html  # orders come in tonnes
    response = client.post("/orders/new", data=order_form(catalogue, buyer))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    order = db.session.scalar(select(BuyerOrder))
    assert response.headers["Location"].endswith(f"/orders/{order.id}")
    assert (order.quantity_kg, order.entered_unit, order.status) == (Decimal("5400.000"), QuantityUnit.TONNE,
                                                                     OrderStatus.DRAFT)
    assert {p.grade.name: p.price for p in order.prices} == {
        "特级": Decimal("8.00"), "一级": Decimal("6.80"), "二级": Decimal("5.20")}
    assert "5.4 吨" in client.get(f"/orders/{order.id}").get_data(as_text=True)


def test_a_bad_order_shows_chinese_messages_at_the_fields_and_saves_nothing(client, login, coordinator, buyer,
                                                                           catalogue):
    login(coordinator)
    grades = catalogue["grades"]
    response = client.post("/orders/new", data=order_form(
        catalogue, buyer, quantity="很多", window_end="2026-08-10", delivered_price="0",
        **{f"price_{grades['二级'].id}": ""}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "5.4 吨" in html and "吨" in html  # the quantity hint and message
    assert "二级" in html and "收购价" in html
    assert html.count('class="field has-error"') == 3  # quantity, delivered price, last day
    assert "price-errors" in html
    assert count(BuyerOrder) == 0
    assert count(AuditEvent, AuditEvent.action == "buyer_order.create") == 0


def test_a_coordinator_changes_a_draft_order_but_not_one_with_reserved_kilograms(
        client, login, coordinator, buyer, catalogue, make_order, make_household, make_lot):
    make_lot(make_household(), "300")
    order = make_order("200公斤", share_cap_pct="100")
    login(coordinator)
    page = client.get(f"/orders/{order.id}/edit").get_data(as_text=True)
    assert 'value="200"' in page
    response = client.post(f"/orders/{order.id}/edit", data=order_form(catalogue, buyer, quantity="250", unit="kg"))
    assert response.status_code == 302
    assert db.session.get(BuyerOrder, order.id).quantity_kg == Decimal("250.000")
    allocation_runs.confirm_run(coordinator, allocation_runs.run_allocation(coordinator, db.session.get(BuyerOrder, order.id)))
    db.session.commit()
    refused = client.post(f"/orders/{order.id}/edit", data=order_form(catalogue, buyer, quantity="900", unit="kg"))
    assert refused.status_code == 302
    assert db.session.get(BuyerOrder, order.id).quantity_kg == Decimal("250.000")


# --- allocating -------------------------------------------------------------------------------

def test_a_coordinator_runs_adjusts_and_confirms_an_allocation_through_the_pages(
        client, login, coordinator, supplied_order):
    order, households = supplied_order
    login(coordinator)
    assert client.post(f"/orders/{order.id}/open").status_code == 302  # already open: refused politely
    response = client.post(f"/orders/{order.id}/runs", data={"policy": "fair", "priority_first": "y"})
    assert response.status_code == 302
    run = db.session.scalar(select(AllocationRun))
    assert run.status is RunStatus.PROPOSED and run.filled_kg == Decimal("2000.000")
    html = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert all(h.head_name in html for h in households)
    assert "公平分配" in html and "已达单户上限" in html and "全部供货" in html  # policy and why, in words
    assert run.input_hash[:12] not in html  # a fingerprint is for machines (the API has it), not for staff
    first = run.lines[0]
    kept = first.kg

    refused = client.post(f"/orders/runs/{run.id}/lines", data={"lot_id": str(first.lot_id), "kg": "50",
                                                                  "reason": ""})
    assert refused.status_code == 422
    assert "请说明" in refused.get_data(as_text=True)
    assert db.session.get(AllocationRun, run.id).lines[0].kg == kept

    changed = client.post(f"/orders/runs/{run.id}/lines", data={"lot_id": str(first.lot_id), "kg": "50",
                                                                 "reason": "桃子偏软"})
    assert changed.status_code == 302
    run = db.session.get(AllocationRun, run.id)
    assert run.adjusted and run.filled_kg == Decimal("2000.000") - kept + Decimal("50")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "allocation_run.adjust"))
    assert event.reason == "桃子偏软"

    confirmed = client.post(f"/orders/runs/{run.id}/confirm")
    assert confirmed.status_code == 302
    assert db.session.get(AllocationRun, run.id).status is RunStatus.CONFIRMED
    assert db.session.get(BuyerOrder, order.id).status is OrderStatus.ALLOCATED
    reserved = db.session.scalar(select(func.sum(ProduceLot.reserved_kg)))
    assert reserved == run.filled_kg
    html = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "已确认" in html and "class=\"pct\">97%" in html


def test_a_stale_run_is_refused_on_the_page_and_reserves_nothing(client, login, coordinator, make_order,
                                                                 make_household, make_lot):
    lot = make_lot(make_household(), "300")
    first = make_order("200公斤", share_cap_pct="100")
    second = make_order("200公斤", share_cap_pct="100")
    run_a = allocation_runs.run_allocation(coordinator, first)
    run_b = allocation_runs.run_allocation(coordinator, second)
    allocation_runs.confirm_run(coordinator, run_a)
    db.session.commit()
    login(coordinator)
    assert client.post(f"/orders/runs/{run_b.id}/confirm").status_code == 302
    assert "已被其他订单占用" in client.get(f"/orders/{second.id}").get_data(as_text=True)
    assert db.session.get(AllocationRun, run_b.id).status is RunStatus.PROPOSED
    assert db.session.get(ProduceLot, lot.id).reserved_kg == Decimal("200.000")


def test_cancelling_needs_a_reason_and_frees_the_kilograms(client, login, coordinator, make_order, make_household,
                                                           make_lot):
    lot = make_lot(make_household(), "300")
    order = make_order("200公斤", share_cap_pct="100")
    allocation_runs.confirm_run(coordinator, allocation_runs.run_allocation(coordinator, order))
    db.session.commit()
    login(coordinator)
    refused = client.post(f"/orders/{order.id}/cancel", data={"reason": " "})
    assert refused.status_code == 422
    assert db.session.get(BuyerOrder, order.id).status is OrderStatus.ALLOCATED
    client.post(f"/orders/{order.id}/cancel", data={"reason": "超市取消"})
    order = db.session.get(BuyerOrder, order.id)
    assert (order.status, order.cancelled_reason) == (OrderStatus.CANCELLED, "超市取消")
    assert db.session.get(ProduceLot, lot.id).reserved_kg == 0


# --- who sees what ------------------------------------------------------------------------------

def test_a_villager_sees_what_was_sold_in_jin_with_kilograms_beneath(client, login, villager, coordinator,
                                                                    make_order, make_lot):
    lot = make_lot(villager.household, "300", grade="一级")
    order = make_order("200公斤", share_cap_pct="100")
    allocation_runs.confirm_run(coordinator, allocation_runs.run_allocation(coordinator, order))
    db.session.commit()
    login(villager)
    html = client.get("/orders/mine").get_data(as_text=True)
    assert "400 斤" in html and "200 公斤" in html
    assert "金昌赢华联超市" in html and "甘肃省金昌市" in html
    assert "水蜜桃 · 一级" in html and "8月18日采摘" in html
    assert "¥3.40/斤" in html  # 6.80 元/公斤 for 一级
    lots_page = client.get("/lots/mine").get_data(as_text=True)
    assert "400 斤" in lots_page and "200 斤" in lots_page  # sold and still free
    assert client.get("/orders/").headers["Location"].endswith("/orders/mine")
    assert db.session.get(ProduceLot, lot.id).status is LotStatus.ALLOCATED


def test_a_villager_cannot_see_orders_or_allocate(client, login, villager, make_order):
    order = make_order("200公斤")
    login(villager)
    assert client.get(f"/orders/{order.id}").status_code == 403
    assert client.post(f"/orders/{order.id}/runs", data={"policy": "fair"}).status_code == 403
    assert client.get("/orders/board").status_code == 403
    assert client.get("/orders/new").status_code == 403
    assert count(AllocationRun) == 0


def test_a_buyers_staff_see_and_enter_only_their_own_orders_and_cannot_allocate(
        client, login, buyer_user, buyer, coordinator, catalogue, make_order, make_household, make_lot):
    make_lot(make_household("李大妈"), "300")
    other = buyers.create_buyer(coordinator, name="西安华润万家", credit_code=credit_code("91610000MA6TG1XX0"))
    db.session.commit()
    own = make_order("200公斤")
    theirs = make_order("300公斤", buyer_id=other.id)
    allocation_runs.run_allocation(coordinator, own)
    db.session.commit()
    buyer_user.buyer_id = buyer.id
    db.session.commit()
    login(buyer_user)
    html = client.get("/orders/").get_data(as_text=True)
    assert own.number in html and theirs.number not in html
    assert client.get(f"/orders/{theirs.id}").status_code == 403
    detail = client.get(f"/orders/{own.id}").get_data(as_text=True)
    assert "李大妈" not in detail and "运行分配" not in detail
    assert client.post(f"/orders/{own.id}/runs", data={"policy": "fair"}).status_code == 403
    assert count(AllocationRun) == 1
    form = client.get("/orders/new").get_data(as_text=True)
    assert other.name not in form and "单户最多" not in form
    response = client.post("/orders/new", data=order_form(catalogue, other, quantity="1"))
    assert response.status_code == 302
    created = db.session.scalar(select(BuyerOrder).order_by(BuyerOrder.id.desc()))
    assert created.buyer_id == buyer.id  # never another buyer's, whatever the form says
    assert client.get("/orders/buyers").status_code == 403
    edit = client.get(f"/orders/{created.id}/edit")  # its own draft: the form, without a buyer to choose
    assert edit.status_code == 200
    assert 'name="buyer_id"' not in edit.get_data(as_text=True) and "单户最多" not in edit.get_data(as_text=True)
    changed = client.post(f"/orders/{created.id}/edit", data=order_form(catalogue, other, quantity="2"))
    assert changed.status_code == 302
    db.session.expire_all()
    assert db.session.get(BuyerOrder, created.id).buyer_id == buyer.id
    assert client.get(f"/orders/{theirs.id}/edit").status_code == 403


# --- buyers -----------------------------------------------------------------------------------------

def test_buyers_are_registered_with_acceptance_rules_and_terms_of_at_most_60_days(client, login, coordinator):
    login(coordinator)
    data = {"name": "金昌赢华联超市", "credit_code": credit_code(), "province": "甘肃省", "city": "金昌市",
            "address": "", "contact_name": "王经理", "contact_phone": "0935-8888888", "accept_below_pct": "1",
            "reject_above_pct": "5", "payment_terms_days": "90"}
    refused = client.post("/orders/buyers/new", data=data)
    assert refused.status_code == 422
    assert "60" in refused.get_data(as_text=True) and "账期" in refused.get_data(as_text=True)
    assert count(Buyer) == 0
    assert client.post("/orders/buyers/new", data={**data, "payment_terms_days": "30"}).status_code == 302
    buyer = db.session.scalar(select(Buyer))
    assert (buyer.payment_terms_days, buyer.active, buyer.reject_above_pct) == (30, True, Decimal("5.00"))
    html = client.get("/orders/buyers").get_data(as_text=True)
    assert "金昌赢华联超市" in html and "30 天" in html
    edited = client.post(f"/orders/buyers/{buyer.id}/edit", data={**data, "payment_terms_days": "45",
                                                                   "reject_above_pct": "0.5"})
    assert edited.status_code == 422  # rejecting below the acceptance threshold makes no sense
    assert db.session.get(Buyer, buyer.id).payment_terms_days == 30


# --- the board -----------------------------------------------------------------------------------------

def test_the_board_shows_free_supply_by_village_grade_and_day_with_a_chart(
        client, login, coordinator, supplied_order, make_lot, make_household, today_is_day):
    order, households = supplied_order
    make_lot(households[0], "120", grade="特级", ready=4)
    db.session.commit()
    login(coordinator)
    response = client.get("/orders/board")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("<svg") == 1 and "<rect" in html and 'class="need"' in html
    assert "北里村" in html and "南杜村" in html and "特级" in html and "一级" in html
    assert order.number in html and "0%" in html
    total = sum(SIZES) + 120
    assert f"{total:,} 公斤" in html
    assert "今天" in html or "现已成熟" in html


def test_the_board_is_for_staff_only(client, login, villager, buyer_user):
    login(villager)
    assert client.get("/orders/board").status_code == 403
    client.post("/logout")
    login(buyer_user)
    assert client.get("/orders/board").status_code == 403
