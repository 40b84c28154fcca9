"""The stock pages: the stock ledger and its XLSX, recording and posting a count, an order's part
from the warehouse."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from models import OrderStockLine, StockCount, StockCountStatus, db


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_the_stock_ledger_page_shows_quantity_unit_cost_and_amount_and_agrees_with_1405(client, login, accountant,
                                                                                        stocked, sell):
    sell({"二级": "40"})
    login(accountant)
    page = client.get("/books/stock").get_data(as_text=True)
    assert "库存商品明细账" in page and "销售出库" in page
    assert "库存商品明细账与 1405 相符" in page
    assert "1,856.40" in page  # 2,002.00 − 40/100 × 364.00 = 2,002.00 − 145.60
    assert "3.64" in page      # the 二级 unit cost, ¥364.00 / 100 kg


def test_the_stock_ledger_downloads_as_xlsx(client, login, accountant, stocked):
    login(accountant)
    response = client.get("/books/stock?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in rows if row and row[0] == "品种")
    assert list(header[4:7]) == ["收入数量(公斤)", "收入单价", "收入金额"]
    receipts = [row for row in rows if row and row[3] and str(row[3]).startswith("合同收购入库")]
    assert [(row[1], row[4], row[6], row[12]) for row in receipts] == [("一级", 300, 1638, 1638), ("二级", 100, 364, 364)]


def test_a_count_is_recorded_on_its_page_and_posted_by_another_accountant(client, login, coordinator, accountant,
                                                                          stocked):
    login(coordinator)
    page = client.get("/stock/counts/").get_data(as_text=True)
    assert "水蜜桃 · 一级" in page and "水蜜桃 · 二级" in page
    fields = dict(re.findall(r'name="(lines-\d+-(?:variety|grade)_id)"[^>]*value="(\d+)"', page))
    form = {"csrf_token": csrf(page), "counted_on": "2026-08-21", "note": "", **fields,
            "lines-0-counted": "296", "lines-0-loss_kind": "normal", "lines-0-reason": "失水",
            "lines-1-counted": "", "lines-1-loss_kind": "", "lines-1-reason": ""}
    response = client.post("/stock/counts/", data=form)
    assert response.status_code == 302
    count = db.session.scalar(select(StockCount))
    assert [(l.grade.name, str(l.counted_kg)) for l in count.lines] == [("一级", "296.000")]
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "本次盘点由您记录，需另一位会计审核记账。" in detail
    client.post("/logout")
    login(accountant)
    detail = client.get(f"/stock/counts/{count.id}").get_data(as_text=True)
    posted = client.post(f"/stock/counts/{count.id}/post", data={"csrf_token": csrf(detail)})
    assert posted.status_code == 302
    db.session.refresh(count)
    assert count.status is StockCountStatus.POSTED
    assert "存货盘点" in client.get(f"/stock/counts/{count.id}").get_data(as_text=True)


def test_a_count_missing_its_reason_is_shown_again_with_the_message(client, login, coordinator, stocked):
    login(coordinator)
    page = client.get("/stock/counts/").get_data(as_text=True)
    fields = dict(re.findall(r'name="(lines-\d+-(?:variety|grade)_id)"[^>]*value="(\d+)"', page))
    response = client.post("/stock/counts/", data={"csrf_token": csrf(page), "counted_on": "2026-08-21", **fields,
                                                   "lines-0-counted": "290", "lines-0-loss_kind": "abnormal",
                                                   "lines-0-reason": ""})
    assert response.status_code == 422
    assert "请说明与账面不符的原因。" in response.get_data(as_text=True)
    assert db.session.scalar(select(StockCount)) is None


def test_an_order_takes_stock_on_its_page_and_a_shortage_is_said_in_words(client, login, coordinator, stocked,
                                                                          make_order, grades):
    order = make_order("150公斤")
    login(coordinator)
    page = client.get(f"/stock/orders/{order.id}").get_data(as_text=True)
    assert "一级: 可用 300 公斤" in page and "二级: 可用 100 公斤" in page
    short = client.post(f"/stock/orders/{order.id}", data={"csrf_token": csrf(page), "grade_id": grades["二级"].id,
                                                           "quantity": "150"})
    assert "库存不足：水蜜桃 二级 现有 100 公斤，要求 150 公斤。库存不会小于零。" in short.get_data(as_text=True)
    done = client.post(f"/stock/orders/{order.id}", data={"csrf_token": csrf(page), "grade_id": grades["一级"].id,
                                                          "quantity": "150"})
    assert done.status_code == 302
    assert [(l.grade.name, str(l.quantity_kg)) for l in db.session.scalars(select(OrderStockLine))] == [
        ("一级", "150.000")]


def test_an_order_filled_from_the_warehouse_alone_is_shipped_from_its_page(client, login, coordinator, stocked,
                                                                           make_order, grades):
    from market.stock import services as stock

    order = make_order("80公斤")
    stock.set_order_stock(coordinator, order, grade_id=grades["二级"].id, quantity="80")
    db.session.commit()
    login(coordinator)
    board = client.get(f"/fulfilment/orders/{order.id}").get_data(as_text=True)
    assert "仓库发货" in board and f"/fulfilment/orders/{order.id}/ship" in board
    page = client.get(f"/fulfilment/orders/{order.id}/ship").get_data(as_text=True)
    response = client.post(f"/fulfilment/orders/{order.id}/ship", data={
        "csrf_token": csrf(page), "plate": "陕D12345", "driver_name": "赵师傅", "driver_phone": "13700001111",
        "temperature": "3", "departed_at": "2026-08-19T17:00", "note": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.refresh(order)
    assert order.status.value == "shipped"


def test_a_settlement_page_shows_what_it_moved_in_and_out_of_stock(client, login, accountant, stocked, sell):
    settlement = sell({"一级": "30"})
    login(accountant)
    page = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    # 30 of 300 kg holding ¥1,638.00 → ¥163.80, leaving 270 kg · ¥1,474.20
    assert "销售出库" in page and "¥163.80" in page and "¥1,474.20" in page
    batch = client.get(f"/settlements/{stocked.id}").get_data(as_text=True)
    assert "合同收购入库" in batch and "¥1,638.00" in batch and "¥364.00" in batch
