"""The stock API: the stock ledger beside 1405, an order's part from the warehouse, counts."""
from __future__ import annotations

from sqlalchemy import func, select

from models import OrderStockLine, StockCount, db


def switch(client, login, user):
    client.post("/logout")
    login(user)


def test_the_stock_ledger_lists_each_item_in_quantity_and_value_beside_1405(client, login, accountant, stocked, sell):
    sell({"一级": "100"})
    login(accountant)
    body = client.get("/api/v1/stock").get_json()
    assert body["value"] == body["account_1405"] == "1456.00"  # 2,002.00 − 100/300 × 1,638.00
    first = next(item for item in body["items"] if item["grade"] == "一级")
    assert [(r["summary"][:4], r["in_kg"], r["out_kg"], r["out_price"], r["out_value"], r["balance_kg"],
             r["balance_price"], r["balance_value"]) for r in first["rows"]] == [
        ("期初结存", None, None, None, None, "0.000", None, "0.00"),
        ("合同收购", "300.000", None, None, None, "300.000", "5.46", "1638.00"),
        ("销售出库", None, "100.000", "5.46", "546.00", "200.000", "5.46", "1092.00"),
        ("本期合计", "300.000", "100.000", "5.46", "546.00", "200.000", "5.46", "1092.00")]
    later = client.get("/api/v1/stock?from=2026-08-21").get_json()
    opening = next(item for item in later["items"] if item["grade"] == "一级")["rows"][0]
    assert (opening["summary"], opening["balance_kg"], opening["balance_value"]) == ("期初结存", "300.000", "1638.00")


def test_an_order_takes_stock_through_the_api_and_is_refused_beyond_it(client, login, coordinator, stocked, make_order,
                                                                       grades):
    order = make_order("200公斤")
    login(coordinator)
    url = f"/api/v1/orders/{order.id}/stock/{grades['二级'].id}"
    refused = client.put(url, json={"quantity": "101公斤"})
    assert refused.status_code == 409
    assert refused.get_json()["error"] == {"code": "insufficient_stock",
                                           "message": "库存不足：水蜜桃 二级 现有 100 公斤，要求 101 公斤。库存不会小于零。"}
    assert db.session.scalar(select(func.count()).select_from(OrderStockLine)) == 0
    taken = client.put(url, json={"quantity": "160斤"})
    assert taken.status_code == 200 and taken.get_json() == [{"grade_id": grades["二级"].id, "grade": "二级",
                                                               "quantity_kg": "80.000"}]
    assert client.get(f"/api/v1/orders/{order.id}/stock").get_json()[0]["quantity_kg"] == "80.000"


def test_a_count_is_recorded_once_per_key_and_posted_by_another_accountant(client, login, coordinator, accountant,
                                                                          stocked, peach, grades):
    login(coordinator)
    body = {"counted_on": "2026-08-21", "lines": [{"variety_id": peach.id, "grade_id": grades["一级"].id,
                                                   "counted": "295", "loss_kind": "normal", "reason": "失水"}]}
    made = client.post("/api/v1/stock/counts", json=body, headers={"Idempotency-Key": "count-1"})
    again = client.post("/api/v1/stock/counts", json=body, headers={"Idempotency-Key": "count-1"})
    assert made.status_code == again.status_code == 201 and made.get_json()["id"] == again.get_json()["id"]
    assert db.session.scalar(select(func.count()).select_from(StockCount)) == 1
    count = made.get_json()
    assert (count["status"], count["lines"][0]["book_kg"], count["lines"][0]["counted_kg"]) == (
        "prepared", "300.000", "295.000")
    assert client.post(f"/api/v1/stock/counts/{count['id']}/post").status_code == 403  # a coordinator
    switch(client, login, accountant)
    posted = client.post(f"/api/v1/stock/counts/{count['id']}/post")
    assert posted.status_code == 200
    assert posted.get_json()["status"] == "posted" and posted.get_json()["voucher"] is not None
    assert client.post(f"/api/v1/stock/counts/{count['id']}/post").status_code == 409
    assert client.get("/api/v1/stock").get_json()["account_1405"] == "1974.70"  # 2,002.00 − 5/300 × 1,638.00


def test_a_count_without_its_reason_is_refused_with_the_field(client, login, coordinator, stocked, peach, grades):
    login(coordinator)
    response = client.post("/api/v1/stock/counts", json={"lines": [
        {"variety_id": peach.id, "grade_id": grades["一级"].id, "counted": "299", "loss_kind": "normal"}]})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"lines.1": ["请说明与账面不符的原因。"]}
