"""The fulfilment pages: the coordinator's board, weighing and refusing fruit of a line, loading the
truck, the printable loading note, crate labels and certificate, and the supermarket's receipt."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from market.clock import local_today
from market.fulfilment import collection
from models import (AllocationClosure, Certificate, FieldReject, OrderStatus, Receipt, Shipment, WeighSlip, db)



def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def grade_rows(catalogue, **amounts):
    """Form fields for the weigh page's rows: 特级, 一级, 二级 in that order."""
    data = {}
    for index, name in enumerate(("特级", "一级", "二级")):
        data[f"grades-{index}-grade_id"] = str(catalogue["grades"][name].id)
        data[f"grades-{index}-amount"] = amounts.get(name, "")
    return data


def test_the_board_lists_allocated_orders_with_their_progress(client, login, coordinator, allocated, weigh):
    weigh(allocated.lines["张秀英"], "150")
    login(coordinator)
    page = client.get("/fulfilment/").get_data(as_text=True)
    assert allocated.order.number in page and "25%" in page and "金昌赢华联超市" in page


def test_villagers_are_kept_out_and_buyers_see_their_shipments(client, login, villager, buyer_staff, shipped):
    login(villager)
    assert client.get("/fulfilment/").status_code == 403
    client.post("/logout")
    login(buyer_staff)
    _, shipment = shipped
    page = client.get("/fulfilment/").get_data(as_text=True)
    assert shipment.number in page
    assert client.get(f"/fulfilment/orders/{shipment.order_id}").status_code == 403


def test_the_order_page_shows_each_line_and_the_totals(client, login, coordinator, allocated, weigh):
    weigh(allocated.lines["张秀英"], "200")
    weigh(allocated.lines["李桂兰"], "80")
    login(coordinator)
    page = client.get(f"/fulfilment/orders/{allocated.order.id}").get_data(as_text=True)
    for name in ("张秀英", "李桂兰", "王建国"):
        assert name in page
    assert "280 公斤" in page and "320 公斤" in page  # collected, still expected
    assert f"/fulfilment/allocations/{allocated.lines['李桂兰'].id}/weigh" in page
    assert f"/fulfilment/allocations/{allocated.lines['张秀英'].id}/weigh" not in page  # finished
    assert "/shortfall" not in page  # nothing is short


def test_the_weigh_page_offers_the_order_grades_with_their_farm_gate_prices(client, login, coordinator, allocated,
                                                                           catalogue):
    login(coordinator)
    line = allocated.lines["张秀英"]
    page = client.get(f"/fulfilment/allocations/{line.id}/weigh").get_data(as_text=True)
    assert "特级" in page and "一级" in page and "二级" in page and "等外" not in page
    assert "¥3.40/斤" in page and "¥6.80/公斤" in page and "张秀英" in page
    response = client.post(f"/fulfilment/allocations/{line.id}/weigh", data={
        "unit": "jin", "gross": "424", "tare": "24", "crates": "20", "deduction_kind": "none",
        "deduction_value": "0", "contract_id": "", "weighed_at": "2026-08-19T09:00", "plate": "", "note": "",
        **grade_rows(catalogue, 特级="100", 一级="300")})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/fulfilment/orders/{line.order_id}")
    slip = db.session.scalar(select(WeighSlip))
    assert (slip.allocation_id, slip.net_kg, slip.amount) == (line.id, Decimal("200.000"), Decimal("1420.00"))
    assert db.session.get(type(allocated.order), allocated.order.id).status is OrderStatus.COLLECTING


def test_a_wrong_weighing_is_shown_on_the_form_and_nothing_is_written(client, login, coordinator, allocated,
                                                                      catalogue):
    login(coordinator)
    line = allocated.lines["张秀英"]
    response = client.post(f"/fulfilment/allocations/{line.id}/weigh", data={
        "unit": "kg", "gross": "400", "tare": "10", "crates": "0", "deduction_kind": "none", "deduction_value": "0",
        "contract_id": "", "weighed_at": "2026-08-19T09:00", **grade_rows(catalogue, 一级="390")})
    assert response.status_code == 422
    assert 'class="errors"' in response.get_data(as_text=True)
    assert count(WeighSlip) == 0


def test_field_rejects_and_closing_a_line_from_their_pages(client, login, coordinator, allocated, weigh):
    line = allocated.lines["王建国"]
    weigh(line, "150")
    login(coordinator)
    assert client.get(f"/fulfilment/allocations/{line.id}/reject").status_code == 200
    response = client.post(f"/fulfilment/allocations/{line.id}/reject",
                           data={"quantity": "10", "unit": "jin", "reason": "裂果", "slip_id": ""})
    assert response.status_code == 302
    assert db.session.scalar(select(FieldReject.kg)) == Decimal("5.000")
    response = client.post(f"/fulfilment/allocations/{line.id}/reject", data={"quantity": "10", "unit": "jin",
                                                                             "reason": "", "slip_id": ""})
    assert response.status_code == 422 and count(FieldReject) == 1
    response = client.post(f"/fulfilment/allocations/{line.id}/close", data={"reason": "没有了"})
    assert response.status_code == 302 and count(AllocationClosure) == 1
    page = client.get(f"/fulfilment/orders/{allocated.order.id}").get_data(as_text=True)
    assert "50 公斤" in page and f"/fulfilment/orders/{allocated.order.id}/shortfall" in page  # 5 refused + 45 left short


def test_the_shortfall_button_allocates_and_confirms_more(client, login, coordinator, allocated, weigh,
                                                         make_household, make_lot):
    make_lot(make_household("周秀兰"), "100")
    weigh(allocated.lines["王建国"], "150")
    collection.close_line(coordinator, allocated.lines["王建国"], "没有了")
    db.session.commit()
    login(coordinator)
    response = client.post(f"/fulfilment/orders/{allocated.order.id}/shortfall", data={"policy": "fair"})
    assert response.status_code == 302
    assert collection.collection(coordinator, allocated.order).shortfall_kg == 0


def test_loading_the_truck_from_the_page(client, login, coordinator, collected):
    allocated, slips = collected
    login(coordinator)
    page = client.get(f"/fulfilment/orders/{allocated.order.id}/ship").get_data(as_text=True)
    assert all(slip.serial in page for slip in slips) and page.count('checked') >= 3
    # each slip says whose it is and what it weighs, so the coordinator knows what goes on the truck
    assert all(slip.household.head_name in page for slip in slips) and "200 公斤" in page
    data = {"plate": "陕d 12345", "driver_name": "赵师傅", "driver_phone": "137-0000-1111", "temperature": "",
            "departed_at": "2026-08-19T17:00", "slip_ids": [str(s.id) for s in slips], "note": ""}
    response = client.post(f"/fulfilment/orders/{allocated.order.id}/ship", data=data)
    assert response.status_code == 422 and count(Shipment) == 0
    response = client.post(f"/fulfilment/orders/{allocated.order.id}/ship", data={**data, "temperature": "2"})
    assert response.status_code == 302
    shipment = db.session.scalar(select(Shipment))
    assert (shipment.plate, shipment.driver_phone, shipment.crates) == ("陕D12345", "13700001111", 60)


def test_the_loading_note_and_the_label_sheet_print_with_their_qr_codes(client, login, coordinator, shipped):
    _, shipment = shipped
    login(coordinator)
    note = client.get(f"/fulfilment/shipments/{shipment.id}/loading-note").get_data(as_text=True)
    assert '<html lang="zh-CN">' in note and shipment.number in note and "张秀英" in note
    assert "<svg" in note and shipment.code in note and "600 公斤" in note and "赵师傅" in note
    sheet = client.get(f"/fulfilment/shipments/{shipment.id}/labels").get_data(as_text=True)
    assert sheet.count('<svg viewBox') == 60
    assert all(label.code in sheet for label in shipment.crate_labels)
    assert "css/fulfilment.css" in sheet
    stylesheet = client.get("/static/css/fulfilment.css")
    assert "size: A4" in stylesheet.get_data(as_text=True)
    stylesheet.close()


def test_the_buyer_reads_the_loading_note_with_masked_household_names(client, login, buyer_staff, shipped):
    _, shipment = shipped
    login(buyer_staff)
    note = client.get(f"/fulfilment/shipments/{shipment.id}/loading-note").get_data(as_text=True)
    assert "张**" in note and "张秀英" not in note
    detail = client.get(f"/fulfilment/shipments/{shipment.id}").get_data(as_text=True)
    assert "张秀英" not in detail and f"/fulfilment/shipments/{shipment.id}/receipt" in detail


def test_issuing_and_printing_the_certificate(client, login, coordinator, shipped):
    _, shipment = shipped
    login(coordinator)
    form = client.get(f"/fulfilment/shipments/{shipment.id}/certificate")
    assert form.status_code == 200 and 'name="basis"' in form.get_data(as_text=True)
    response = client.post(f"/fulfilment/shipments/{shipment.id}/certificate",
                           data={"basis": "lab_test", "basis_note": "", "issued_on": "2026-08-19", "parents": ""})
    assert response.status_code == 422 and count(Certificate) == 0
    response = client.post(f"/fulfilment/shipments/{shipment.id}/certificate",
                           data={"basis": "quality_control", "basis_note": "", "issued_on": "2026-08-19",
                                 "parents": "HZ-0001 张秀英\n"})
    assert response.status_code == 302
    certificate = db.session.scalar(select(Certificate))
    page = client.get(f"/fulfilment/shipments/{shipment.id}/certificate").get_data(as_text=True)
    assert "承诺达标合格证" in page and certificate.number in page and certificate.code in page
    assert "<svg viewBox" in page and "2028-08-19" in page and "陕西空港城乡统筹开发有限公司" in page
    assert "☑" in page and "HZ-0001" in page and "600 公斤" in page


def test_the_buyer_records_the_receipt_on_the_page(client, login, buyer_staff, shipped):
    allocated, shipment = shipped
    login(buyer_staff)
    assert client.get(f"/fulfilment/shipments/{shipment.id}/receipt").status_code == 200
    data = {"received": "598", "unit": "kg", "defect_pct": "0.5", "received_at": "2026-08-20T07:00",
            "supplier_signer": "李协调", "clerk_signer": "马收货", "supervisor_signer": "", "note": ""}
    assert client.post(f"/fulfilment/shipments/{shipment.id}/receipt", data=data).status_code == 422
    response = client.post(f"/fulfilment/shipments/{shipment.id}/receipt", data={**data, "supervisor_signer": "杨"})
    assert response.status_code == 302
    receipt = db.session.scalar(select(Receipt))
    assert receipt.accepted_kg == Decimal("598.000")
    assert db.session.get(type(allocated.order), allocated.order.id).status is OrderStatus.RECEIVED
    page = client.get(f"/fulfilment/shipments/{shipment.id}").get_data(as_text=True)
    assert "598 公斤" in page and "杨" in page


def test_villagers_cannot_open_a_shipment_or_its_prints(client, login, villager, shipped):
    _, shipment = shipped
    login(villager)
    for path in ("", "/loading-note", "/labels", "/certificate", "/receipt"):
        assert client.get(f"/fulfilment/shipments/{shipment.id}{path}").status_code == 403, path


def test_departure_defaults_to_now_on_the_ship_form(client, login, coordinator, collected):
    allocated, _ = collected
    login(coordinator)
    page = client.get(f"/fulfilment/orders/{allocated.order.id}/ship").get_data(as_text=True)
    today = local_today().isoformat()
    assert f'name="departed_at" type="datetime-local" value="{today}T' in page
