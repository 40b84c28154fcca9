"""The weighing pages: list, new slip, detail with void and re-issue, printable slip, villager's slips."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from market.weighing import services
from models import ContractStatus, PriceMechanism, SlipStatus, WeighSlip, db

from .conftest import WEIGHED_AT


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(WeighSlip))


def form_data(catalogue, household, **overrides) -> dict:
    grades = catalogue["grades"]
    data = {
        "household_id": str(household.id), "contract_id": "", "variety_id": str(catalogue["varieties"][0].id),
        "weighed_at": "2026-08-26T09:30", "plate": "陕d12345", "unit": "jin", "gross": "260", "tare": "60",
        "crates": "10", "deduction_kind": "none", "deduction_value": "0", "split_mode": "kg",
        "price_unit": "jin", "note": "",
        "grades-0-grade_id": str(grades["特级"].id), "grades-0-amount": "120", "grades-0-unit_price": "3.00",
        "grades-1-grade_id": str(grades["一级"].id), "grades-1-amount": "80", "grades-1-unit_price": "2.50",
        "grades-2-grade_id": str(grades["二级"].id), "grades-2-amount": "", "grades-2-unit_price": "",
        "grades-3-grade_id": str(grades["等外"].id), "grades-3-amount": "", "grades-3-unit_price": "",
    }
    data.update(overrides)
    return data


def test_the_new_slip_form_offers_households_contracts_and_grade_rows(client, login, coordinator, catalogue,
                                                                      household, make_contract):
    contract = make_contract(household)
    make_contract(household, status=ContractStatus.DRAFT)
    login(coordinator)
    page = client.get("/slips/new").get_data(as_text=True)
    assert "张秀英" in page and contract.number in page
    assert "HT2026" in page and page.count("HT2026-") == 1  # the draft is not offered
    assert f'data-household="{household.id}"' in page
    assert page.count('name="grades-') == 12
    assert 'inputmode="decimal"' in page


def test_a_coordinator_issues_a_spot_slip_in_jin_from_the_form(client, login, coordinator, catalogue, household):
    login(coordinator)
    response = client.post("/slips/new", data=form_data(catalogue, household))
    assert response.status_code == 302
    slip = db.session.scalar(select(WeighSlip))
    assert response.headers["Location"].endswith(f"/slips/{slip.id}")
    assert slip.net_kg == Decimal("100.000") and slip.plate == "陕D12345" and slip.crates == 10
    assert slip.amount == Decimal("360.00") + Decimal("200.00")
    assert slip.weighed_at == WEIGHED_AT  # 09:30 in Xianyang
    page = client.get(f"/slips/{slip.id}").get_data(as_text=True)
    assert "GB20260826-0001" in page and "已确认" in page


def test_a_contract_slip_from_the_form_is_priced_by_the_contract(client, login, coordinator, catalogue,
                                                                household, make_contract):
    contract = make_contract(household, PriceMechanism.FIXED)
    login(coordinator)
    data = form_data(catalogue, household, contract_id=str(contract.id), **{
        "grades-0-unit_price": "", "grades-1-unit_price": ""})
    assert client.post("/slips/new", data=data).status_code == 302
    slip = db.session.scalar(select(WeighSlip))
    assert slip.contract_id == contract.id
    assert slip.amount == Decimal("60") * Decimal("6.00") + Decimal("40") * Decimal("5.00")


@pytest.mark.parametrize("overrides, message", [
    ({"gross": "50", "tare": "60"}, "皮重必须小于毛重"),
    ({"gross": "-260"}, "不允许负数"),
    ({"gross": "260磅"}, "斤、公斤或吨"),
    ({"gross": "9000吨"}, "不可能是一次过磅"),
    ({"grades-1-amount": "79"}, "净重是"),
    ({"split_mode": "percent", "grades-0-amount": "60", "grades-1-amount": "30"}, "不是 100"),
    ({"grades-0-unit_price": ""}, "每个等级的单价"),
])
def test_bad_input_shows_the_form_again_with_the_reason_and_writes_nothing(client, login, coordinator, catalogue,
                                                                         household, overrides, message):
    login(coordinator)
    response = client.post("/slips/new", data=form_data(catalogue, household, **overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count() == 0


def test_a_missing_quote_is_shown_on_the_form(client, login, coordinator, catalogue, household, make_contract):
    contract = make_contract(household, PriceMechanism.FLOOR)
    login(coordinator)
    data = form_data(catalogue, household, contract_id=str(contract.id), **{
        "grades-0-unit_price": "", "grades-1-unit_price": ""})
    response = client.post("/slips/new", data=data)
    assert response.status_code == 422
    assert "行情" in response.get_data(as_text=True)
    assert count() == 0


def test_villagers_and_accountants_cannot_open_the_new_slip_form(client, login, villager, accountant, catalogue,
                                                                household):
    login(villager)
    assert client.get("/slips/new").status_code == 403
    assert client.post("/slips/new", data=form_data(catalogue, household)).status_code == 403
    client.post("/logout")
    login(accountant)
    assert client.post("/slips/new", data=form_data(catalogue, household)).status_code == 403
    assert count() == 0


def test_the_list_filters_by_household_status_and_date(client, login, coordinator, issue, make_household):
    mine = issue()
    other = issue(household_id=make_household(head_name="王建国").id, weighed_at=WEIGHED_AT - timedelta(days=2))
    services.void_slip(coordinator, other, "重复")
    db.session.commit()
    login(coordinator)
    page = client.get("/slips/").get_data(as_text=True)
    assert mine.serial in page and other.serial in page
    page = client.get(f"/slips/?household_id={mine.household_id}").get_data(as_text=True)
    assert mine.serial in page and other.serial not in page
    page = client.get("/slips/?status=void").get_data(as_text=True)
    assert other.serial in page and mine.serial not in page
    page = client.get("/slips/?day=2026-08-26").get_data(as_text=True)
    assert mine.serial in page and other.serial not in page
    assert client.get("/slips/?day=not-a-day&household_id=x").status_code == 200


def test_voiding_from_the_detail_page_needs_a_reason(client, login, coordinator, issue):
    slip = issue()
    login(coordinator)
    response = client.post(f"/slips/{slip.id}/void", data={"reason": ""})
    assert response.status_code == 422
    assert db.session.get(WeighSlip, slip.id).status is SlipStatus.CONFIRMED
    response = client.post(f"/slips/{slip.id}/void", data={"reason": "皮重填错"})
    assert response.status_code == 302
    slip = db.session.get(WeighSlip, slip.id)
    assert slip.status is SlipStatus.VOID and slip.void_reason == "皮重填错"
    page = client.get(f"/slips/{slip.id}").get_data(as_text=True)
    assert "皮重填错" in page and f"/slips/new?replaces={slip.id}" in page
    again = client.post(f"/slips/{slip.id}/void", data={"reason": "再来"})
    assert again.status_code == 409
    assert db.session.get(WeighSlip, slip.id).void_reason == "皮重填错"


def test_reissuing_prefills_the_form_and_links_the_new_slip(client, login, coordinator, issue, catalogue,
                                                           household):
    wrong = issue(gross="130", tare="3", rows=(("一级", "127", "5.00"),))
    services.void_slip(coordinator, wrong, "皮重应为30公斤")
    db.session.commit()
    login(coordinator)
    form = client.get(f"/slips/new?replaces={wrong.id}").get_data(as_text=True)
    assert 'value="130"' in form and 'value="127"' in form and wrong.serial in form
    data = form_data(catalogue, household, unit="kg", price_unit="kg", gross="130", tare="30", replaces_id=str(wrong.id),
                     **{"grades-0-grade_id": str(catalogue["grades"]["一级"].id), "grades-0-amount": "100",
                        "grades-0-unit_price": "5.00", "grades-1-amount": ""})
    response = client.post(f"/slips/new?replaces={wrong.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    new = db.session.scalar(select(WeighSlip).where(WeighSlip.replaces_id == wrong.id))
    assert new.net_kg == Decimal("100.000") and new.amount == Decimal("500.00")
    page = client.get(f"/slips/{wrong.id}").get_data(as_text=True)
    assert new.serial in page and f"/slips/new?replaces={wrong.id}" not in page


def test_the_printable_slip_shows_everything_in_chinese(client, login, coordinator, issue, make_contract,
                                                       household):
    contract = make_contract(household)
    slip = issue(contract_id=contract.id, plate="陕D12345", crates=8, gross="230", tare="30",
                 deduction_kind="percent", deduction_value="2", rows=(("特级", "100"), ("一级", "96")))
    login(coordinator)
    client.post("/lang/en")  # a weigher reading English still prints the villager's slip in Chinese
    page = client.get(f"/slips/{slip.id}/print").get_data(as_text=True)
    for text in ("空港浓香园", "过磅单", slip.serial, "2026-08-26 09:30", "李协调", "张秀英", contract.number,
                 "陕D12345", "毛重", "皮重", "扣重", "净重", "230", "460", "196", "392", "特级",
                 "¥3.00/斤", "¥6.00/公斤", "¥600.00", "¥1,080.00", "人民币壹仟零捌拾元整", 'class="receipt"'):
        assert text in page, text
    assert "作废" not in page


def test_a_voided_slip_prints_with_a_void_stamp(client, login, coordinator, issue):
    slip = issue()
    services.void_slip(coordinator, slip, "称错了")
    db.session.commit()
    login(coordinator)
    page = client.get(f"/slips/{slip.id}/print").get_data(as_text=True)
    assert "void-stamp" in page and "作废" in page and "称错了" in page


def test_a_villager_sees_their_slips_in_jin_and_yuan_per_jin(client, login, villager, issue, make_household):
    mine = issue(household_id=villager.household_id, rows=(("一级", "100", "5.00"),))
    other = issue(household_id=make_household(head_name="王建国").id)
    login(villager)
    page = client.get("/slips/mine").get_data(as_text=True)
    assert mine.serial in page and other.serial not in page
    assert "200 斤" in page and "¥2.50/斤" in page and "¥500.00" in page
    assert client.get(f"/slips/{mine.id}/print").status_code == 200
    assert client.get(f"/slips/{other.id}/print").status_code == 403
    assert client.get(f"/slips/{other.id}").status_code == 403
    assert client.get("/slips/").status_code == 302  # the staff list sends them to their own


def test_a_villager_cannot_void_even_their_own_slip(client, login, villager, issue):
    slip = issue(household_id=villager.household_id)
    login(villager)
    assert client.post(f"/slips/{slip.id}/void", data={"reason": "不要了"}).status_code == 403
    assert db.session.get(WeighSlip, slip.id).status is SlipStatus.CONFIRMED


def test_pages_need_a_login(client, issue):
    slip = issue()
    for url in ("/slips/", "/slips/new", "/slips/mine", f"/slips/{slip.id}", f"/slips/{slip.id}/print"):
        assert client.get(url).status_code == 302


def test_an_unknown_slip_is_404(client, login, coordinator):
    login(coordinator)
    assert client.get("/slips/999").status_code == 404
