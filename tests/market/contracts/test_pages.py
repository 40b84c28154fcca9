"""The contract and quote pages, as staff and villagers use them."""
from __future__ import annotations

from decimal import Decimal

import pytest

from market.contracts import services
from models import AuditEvent, ContractPrepayment, ContractStatus, MarketQuote, PurchaseContract, db


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def form_data(grades, **overrides):
    data = {
        "household_id": "", "season": "2026", "area_mu": "3.5", "expected": "10000斤", "tolerance_pct": "5",
        "main_grade_id": str(grades["一级"].id), "mechanism": "floor", "premium_pct": "0", "bonus_per_kg": "0",
        "quote_source": "西安北郊果品市场", "starts_on": "2026-07-01", "ends_on": "2026-08-31",
        "delivery_terms": "田间交货",
        f"price_{grades['特级'].id}": "8.00", f"price_{grades['一级'].id}": "6.00",
        f"price_{grades['二级'].id}": "4.00", f"price_{grades['等外'].id}": "0",
    }
    data.update(overrides)
    return data


def test_a_coordinator_draws_up_a_contract_on_the_new_contract_page(client, login, coordinator, villager, peach,
                                                                     grades):
    login(coordinator)
    page = client.get(f"/contracts/new?variety_id={peach.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "特级" in html and "等外" in html and villager.household.head_name in html
    assert "固定价格" in html and "保底价" in html  # mechanism names, not the weigh slip's "fixed kilograms"
    response = client.post("/contracts/new", data=form_data(
        grades, variety_id=str(peach.id), household_id=str(villager.household_id)))
    assert response.status_code == 302
    contract = db.session.scalar(db.select(PurchaseContract))
    assert response.headers["Location"].endswith(f"/contracts/{contract.id}")
    assert (contract.number, contract.expected_kg, contract.mechanism.value) == ("HT2026-0001", Decimal("5000.000"), "floor")
    assert {p.grade.name: p.price for p in contract.prices}["等外"] == Decimal("0.00")


def test_a_bad_new_contract_shows_the_errors_next_to_the_fields_and_saves_nothing(client, login, coordinator,
                                                                                 villager, peach, grades):
    login(coordinator)
    response = client.post("/contracts/new", data=form_data(
        grades, variety_id=str(peach.id), household_id=str(villager.household_id), tolerance_pct="60",
        quote_source="", **{f"price_{grades['二级'].id}": "-2"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "0 到 50" in html or "between 0 and 50" in html
    assert html.count('class="field has-error"') == 3
    assert count(PurchaseContract) == 0


def test_the_contract_list_filters_by_status_and_variety(client, login, coordinator, make_contract, catalogue):
    signed = make_contract("signed")
    draft = make_contract("draft")
    nectarine = make_contract("draft", variety_id=catalogue["varieties"][1].id)
    login(coordinator)
    html = client.get("/contracts/").get_data(as_text=True)
    assert all(c.number in html for c in (signed, draft, nectarine))
    html = client.get("/contracts/?status=signed").get_data(as_text=True)
    assert signed.number in html and draft.number not in html
    html = client.get(f"/contracts/?variety_id={catalogue['varieties'][1].id}").get_data(as_text=True)
    assert nectarine.number in html and signed.number not in html


def test_the_detail_page_explains_the_mechanism_and_shows_progress(client, login, coordinator, make_contract,
                                                                   make_slip):
    contract = make_contract("active", mechanism="market_plus", quote_source="西安北郊果品市场", premium_pct="8")
    make_slip(contract, "2500.000", "15000.00")
    login(coordinator)
    html = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert contract.number in html and "西安北郊果品市场" in html and "8%" in html
    assert "2,500 公斤" in html and "50%" in html
    assert "GB20260801-" in html


def test_signing_and_terminating_from_the_detail_page(client, login, coordinator, make_contract):
    contract = make_contract()
    login(coordinator)
    response = client.post(f"/contracts/{contract.id}/sign")
    assert response.status_code == 302
    assert db.session.get(PurchaseContract, contract.id).status is ContractStatus.SIGNED
    refused = client.post(f"/contracts/{contract.id}/terminate", data={"reason": ""})
    assert refused.status_code == 422
    assert db.session.get(PurchaseContract, contract.id).status is ContractStatus.SIGNED
    client.post(f"/contracts/{contract.id}/terminate", data={"reason": "农户转产"})
    contract = db.session.get(PurchaseContract, contract.id)
    assert (contract.status, contract.terminated_reason) == (ContractStatus.TERMINATED, "农户转产")


def test_an_illegal_step_is_refused_with_a_message_and_changes_nothing(client, login, coordinator, make_contract):
    contract = make_contract()
    login(coordinator)
    assert client.post(f"/contracts/{contract.id}/fulfil").status_code == 302
    html = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "flash error" in html and "当前状态下不能进行此操作" in html
    assert db.session.get(PurchaseContract, contract.id).status is ContractStatus.DRAFT


def test_a_deposit_over_the_cap_is_refused_on_the_page_with_the_cap_in_yuan(client, login, coordinator,
                                                                            make_contract):
    contract = make_contract("signed")
    login(coordinator)
    response = client.post(f"/contracts/{contract.id}/prepayments", data={
        "kind": "deposit", "amount": "6000.01", "paid_on": "2026-06-01", "note": ""})
    assert response.status_code == 422
    assert "¥6,000.00" in response.get_data(as_text=True)
    assert count(ContractPrepayment) == 0
    ok = client.post(f"/contracts/{contract.id}/prepayments", data={
        "kind": "deposit", "amount": "6000", "paid_on": "2026-06-01", "note": "现金"})
    assert ok.status_code == 302 and count(ContractPrepayment) == 1


def test_the_printable_contract_has_both_parties_and_every_price(client, login, coordinator, make_contract):
    contract = make_contract("signed")
    login(coordinator)
    html = client.get(f"/contracts/{contract.id}/print").get_data(as_text=True)
    assert contract.number in html and contract.household.head_name in html
    assert "<td>6.00</td><td>3.00</td>" in html and "data-print" in html


def test_a_villager_sees_their_contracts_in_big_type_with_prices_per_jin(client, login, villager, make_contract,
                                                                          make_slip):
    contract = make_contract("active")
    make_slip(contract, "1000.000", "6000.00")
    login(villager)
    response = client.get("/contracts/mine")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert contract.number in html and "¥3.00/斤" in html and "¥4.00/斤" in html
    assert "2,000 斤" in html and "10,000 斤" in html
    assert "/公斤" not in html


def test_a_villager_cannot_open_another_households_contract(client, login, villager, make_household,
                                                             make_contract):
    theirs = make_contract(household_id=make_household(head_name="王大妈").id)
    login(villager)
    assert client.get(f"/contracts/{theirs.id}").status_code == 403
    assert client.get(f"/contracts/{theirs.id}/print").status_code == 403
    assert "王大妈" not in client.get("/contracts/mine").get_data(as_text=True)


def test_a_villager_opening_the_staff_list_lands_on_their_own(client, login, villager):
    login(villager)
    response = client.get("/contracts/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/contracts/mine")


@pytest.mark.parametrize("path", ["/contracts/new", "/contracts/quotes/new"])
def test_a_villager_cannot_open_the_staff_forms(client, login, villager, path):
    login(villager)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/contracts/", "/contracts/quotes", "/contracts/mine", "/contracts/new"])
def test_a_buyer_is_refused_every_contract_page(client, login, buyer_user, path):
    login(buyer_user)
    assert client.get(path).status_code == 403


def test_an_accountant_may_read_but_not_draw_up_contracts(client, login, accountant, make_contract):
    contract = make_contract()
    login(accountant)
    assert client.get("/contracts/").status_code == 200
    assert client.get(f"/contracts/{contract.id}").status_code == 200
    assert client.get("/contracts/new").status_code == 403
    assert client.post(f"/contracts/{contract.id}/sign").status_code == 403
    assert db.session.get(PurchaseContract, contract.id).status is ContractStatus.DRAFT


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/contracts/mine").status_code == 302


# --- quotes ---------------------------------------------------------------------------------

def test_recording_a_quote_in_yuan_per_jin_then_seeing_it_listed(client, login, coordinator, peach, grades):
    login(coordinator)
    today = services.local_today().isoformat()
    response = client.post("/contracts/quotes/new", data={
        "variety_id": peach.id, "grade_id": grades["一级"].id, "quoted_on": today, "price": "3.25",
        "unit": "jin", "source": "西安北郊果品市场"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(MarketQuote.price)) == Decimal("6.50")
    html = client.get("/contracts/quotes").get_data(as_text=True)
    assert "西安北郊果品市场" in html and "¥6.50/公斤" in html and "¥3.25/斤" in html


def test_a_duplicate_quote_is_explained_and_a_correction_with_a_reason_goes_through(client, login, coordinator,
                                                                                     peach, grades):
    login(coordinator)
    data = {"variety_id": peach.id, "grade_id": grades["一级"].id, "quoted_on": "2026-08-01", "price": "6.50",
            "unit": "kg", "source": "西安北郊果品市场"}
    client.post("/contracts/quotes/new", data=data)
    again = client.post("/contracts/quotes/new", data={**data, "price": "6.80"})
    assert again.status_code == 409
    assert "西安北郊果品市场" in again.get_data(as_text=True)
    fixed = client.post("/contracts/quotes/new", data={**data, "price": "6.80", "correct": "y", "reason": "看错行"})
    assert fixed.status_code == 302
    assert db.session.scalar(db.select(MarketQuote.price)) == Decimal("6.80")
    assert db.session.scalar(db.select(AuditEvent.reason).where(AuditEvent.action == "market_quote.correct")) == "看错行"


def test_the_quote_form_is_refused_to_accountants(client, login, accountant):
    login(accountant)
    assert client.get("/contracts/quotes").status_code == 200
    assert client.get("/contracts/quotes/new").status_code == 403
