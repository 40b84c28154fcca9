"""The public pages: /t/<code> behind every QR, and an order's disclosure (村务公示). No login,
no personal data beyond masked household names."""
from __future__ import annotations

from decimal import Decimal

import pytest

from market.errors import NotFound
from market.fulfilment import certificates, disclosure, receipts, trace as tracing
from market.weighing import services as weighing
from models import db

from .conftest import RECEIVED_AT

PRIVATE = ("张秀英", "李桂兰", "王建国", "13912345678", "610402195803151234", "6230270100012345678",
           "赵师傅", "13700001111", "陕D12345")


def receive(shipment, coordinator):
    receipts.record_receipt(coordinator, shipment, received="600", defect_pct="0", supplier_signer="甲",
                            clerk_signer="乙", supervisor_signer="丙", received_at=RECEIVED_AT)
    db.session.commit()


def test_a_crate_code_traces_back_to_one_masked_household_its_village_day_and_grade(shipped, coordinator):
    allocated, shipment = shipped
    certificates.issue_certificate(coordinator, shipment, basis="quality_control")
    receive(shipment, coordinator)
    label = next(l for l in shipment.crate_labels if l.slip.household.head_name == "王建国")
    trace = tracing.trace(label.code.lower())
    assert (trace.kind, trace.brand, trace.product, trace.variety) == ("crate", "空港浓香园", "桃", "水蜜桃")
    assert (trace.households, trace.villages, trace.grades) == (["王**"], ["上召村"], ["一级"])
    assert [d.isoformat() for d in trace.harvest_days] == ["2026-08-19"]
    assert [step.key for step in trace.steps] == ["picked", "weighed", "shipped", "received"]
    assert trace.steps[2].detail.startswith("陕D****5") and trace.certificate is shipment.certificate
    assert trace.crate_number == label.number and trace.net_kg == Decimal("200.000")


def test_the_truck_and_certificate_codes_trace_the_whole_batch(shipped, coordinator):
    _, shipment = shipped
    certificate = certificates.issue_certificate(coordinator, shipment, basis="quality_control")
    for code, kind in ((shipment.code, "shipment"), (certificate.code, "certificate")):
        trace = tracing.trace(code)
        assert trace.kind == kind and sorted(trace.households) == ["张**", "李**", "王**"]
        assert sorted(trace.villages) == ["上召村", "北里村"] and trace.net_kg == Decimal("600.000")
        assert [step.key for step in trace.steps] == ["picked", "weighed", "shipped"]


def test_an_unknown_or_malformed_code_is_not_found(shipped):
    for code in ("ZZZZZZZZZZ", "short", "", "../../etc"):
        with pytest.raises(NotFound):
            tracing.trace(code)


def test_the_trace_page_opens_without_login_and_shows_nothing_personal(client, shipped, coordinator):
    _, shipment = shipped
    certificates.issue_certificate(coordinator, shipment, basis="quality_control")
    db.session.commit()
    code = shipment.crate_labels[0].code
    response = client.get(f"/t/{code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "空港浓香园" in page and "承诺达标合格证" in page and "张**" in page and "北里村" in page
    assert "2026-08-19" in page and "一级" in page and "陕D****5" in page
    for private in PRIVATE:
        assert private not in page, private
    assert coordinator.phone not in page and coordinator.name not in page


def test_an_unknown_code_gets_a_friendly_not_found_page_with_a_lookup_box(client, shipped):
    response = client.get("/t/ZZZZZZZZZZ")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert response.mimetype == "text/html" and 'name="code"' in page and "🍑" in page
    assert "/login" not in response.headers.get("Location", "")


def test_a_typed_code_is_looked_up_whatever_its_case_and_spacing(client, shipped):
    _, shipment = shipped
    code = shipment.code
    response = client.get("/t/", query_string={"code": f" {code[:5].lower()} {code[5:]} "})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/t/{code}")
    assert client.get("/t/").status_code == 200


def test_the_disclosure_lists_masked_households_with_kg_grade_prices_and_amounts(collected, coordinator, weigh):
    allocated, slips = collected
    weighing.void_slip(coordinator, slips[1], "称错")  # 李桂兰's slip no longer counts
    db.session.commit()
    weigh(allocated.lines["李桂兰"], rows=[("特级", "50"), ("一级", "100")])
    record = disclosure.disclosure(allocated.order.number)
    rows = [(r.number, r.household, r.place, r.grade, r.kg, r.price, r.amount) for r in record.rows]
    assert rows == [
        (1, "王**", "上召村1组", "一级", Decimal("200.000"), Decimal("6.80"), Decimal("1360.00")),
        (2, "张**", "北里村1组", "一级", Decimal("200.000"), Decimal("6.80"), Decimal("1360.00")),
        (3, "李**", "北里村1组", "特级", Decimal("50.000"), Decimal("8.00"), Decimal("400.00")),
        (3, "李**", "北里村1组", "一级", Decimal("100.000"), Decimal("6.80"), Decimal("680.00")),
    ]
    assert (record.total_kg, record.total_amount, record.households) == (Decimal("550.000"), Decimal("3800.00"), 3)


def test_the_disclosure_page_is_public_printable_and_shows_jin_and_kg(client, collected):
    allocated, _ = collected
    response = client.get(f"/public/orders/{allocated.order.number}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert allocated.order.number in page and "张**" in page
    assert "400 斤" in page and "200 公斤" in page  # each household's weight, both units
    assert "¥3.40/斤" in page and "¥6.80/公斤" in page
    assert "¥4,080.00" in page and "data-print" in page
    for private in PRIVATE:
        assert private not in page, private


def test_orders_not_yet_allocated_or_unknown_have_no_public_disclosure(client, make_order):
    order = make_order("100公斤")
    assert client.get(f"/public/orders/{order.number}").status_code == 404
    assert client.get("/public/orders/DD1999-0001").status_code == 404
